"""The `emv` package (emvtool) reads the debit application over T=0; skipped without it."""

import pytest

from emulator.transport import InProcessTransport

from .terminal import make_card

emv_card = pytest.importorskip("emv.card")
emv_data = pytest.importorskip("emv.protocol.data")


class _Connection:
    """The slice of a pyscard connection that emv's TransmissionProtocol uses."""

    T0_protocol = 1

    def __init__(self, transport: InProcessTransport) -> None:
        self.transport = transport

    def connect(self, protocol: int) -> None:
        self.transport.connect()

    def getProtocol(self) -> int:
        return self.T0_protocol

    def transmit(self, apdu: list[int]) -> tuple[list[int], int, int]:
        raw = self.transport.transmit_raw(bytes(apdu))
        return list(raw[:-2]), raw[-2], raw[-1]


@pytest.mark.parametrize("generation", [2, 3])
def test_emvtool_info_flow(generation: int) -> None:
    Tag = emv_data.Tag
    card, info = make_card(generation)
    reader = emv_card.Card(_Connection(InProcessTransport(card)))
    apps = reader.list_applications()
    assert [bytes(app[Tag.ADF_NAME]) for app in apps] == [bytes.fromhex("A000000333010101")]
    reader.select_application(apps[0][Tag.ADF_NAME])
    pan = None
    for sfi in (1, 2):
        record = reader.read_record(1, sfi=sfi).data[Tag.RECORD]
        for tag, value in record.items():
            emv_data.render_element(tag, value)  # every element renders
            if tag.id == 0x5A:
                pan = bytes(value).hex()
    assert pan == info["pan"]
    assert reader.get_metadata() == {"pin_retries": 3, "atc": 0, "last_online_atc": 0}

"""PSE, PPSE and the debit ADF's FCI, through the Transport seam over T=0."""

import pytest

from .terminal import AID, PPSE, PSE, Terminal, dol, make_card, parse, value


def test_pse_fci_names_the_directory_sfi_and_the_directory_lists_the_adf() -> None:
    terminal = Terminal(make_card(2)[0])
    fci = terminal.ok(bytes([0, 0xA4, 4, 0, len(PSE)]) + PSE + b"\0")
    assert value(fci, 0x6F, 0x84) == PSE
    sfi = value(fci, 0x6F, 0xA5, 0x88)[0]
    record = terminal.read_record(sfi, 1)
    assert record.sw == 0x9000
    entry = value(record.data, 0x70, 0x61)
    assert value(entry, 0x4F) == AID
    assert value(entry, 0x50).decode("ascii")
    assert 1 <= value(entry, 0x87)[0] <= 15
    assert terminal.read_record(sfi, 2).sw == 0x6A83


@pytest.mark.parametrize(
    ("generation", "contactless", "present"), [(3, True, True), (3, False, False), (2, True, False)]
)
def test_ppse_exists_only_on_contactless_gen3(
    generation: int, contactless: bool, present: bool
) -> None:
    terminal = Terminal(make_card(generation, contactless=contactless)[0])
    response = terminal.select(PPSE)
    if not present:
        assert response.sw == 0x6A82
        return
    assert response.sw == 0x9000
    entry = value(response.data, 0x6F, 0xA5, 0xBF0C, 0x61)
    assert value(entry, 0x4F) == AID
    assert value(entry, 0x87) == b"\x01"
    assert value(entry, 0x50) == b"PBOC DEBIT"


def test_adf_fci_carries_label_priority_pdol_and_log_entry() -> None:
    terminal = Terminal(make_card(3)[0])
    fci = terminal.ok(bytes([0, 0xA4, 4, 0, len(AID)]) + AID + b"\0")
    assert value(fci, 0x6F, 0x84) == AID
    a5 = value(fci, 0x6F, 0xA5)
    assert value(a5, 0x50) == b"PBOC DEBIT"
    assert value(a5, 0x87) == b"\x01"
    assert dol(value(a5, 0x9F38)) == [(0x9F7A, 1), (0x9F02, 6), (0x5F2A, 2)]
    log_entry = value(a5, 0xBF0C, 0x9F4D)
    assert log_entry == bytes([11, 10])
    assert [tag for tag, _ in parse(a5)] == [0x50, 0x87, 0x9F38, 0x5F2D, 0xBF0C]

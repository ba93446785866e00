"""The bank PAN from the PBOC debit application on the same chip (card-spec §4).

SELECT the debit ADF, GET PROCESSING OPTIONS with the PDOL filled from terminal values,
then READ RECORD along the AFL until tag 5A (PAN, BCD, F-padded) appears.
"""

from __future__ import annotations

from card_os.codecs import decode_cn
from card_os.pboc.dol import DolError, build_dol_data, parse_dol
from card_os.tlv import find_tlv, iter_tlv
from emulator.reader.card_session import CardSession
from emulator.reader.codes import ReaderError

__all__ = ["PBOC_DEBIT_AID", "read_bank_pan"]

PBOC_DEBIT_AID = bytes.fromhex("A000000333010101")
#: Terminal values for the PDOL: transaction currency and terminal country code 0156 (CNY/CN).
TERMINAL_VALUES: dict[int, bytes] = {
    0x5F2A: bytes.fromhex("0156"),
    0x9F1A: bytes.fromhex("0156"),
    0x9F66: bytes.fromhex("46000000"),  # TTQ: contact EMV, online capable
}
TAG_PDOL, TAG_AIP, TAG_AFL, TAG_PAN = 0x9F38, 0x82, 0x94, 0x5A


def read_bank_pan(session: CardSession) -> str:
    """The PAN followed by '|'."""
    fci = session.select_aid(PBOC_DEBIT_AID)
    try:
        pdol = parse_dol(find_tlv(fci, TAG_PDOL) or b"")
        pdol_data = build_dol_data(pdol, TERMINAL_VALUES)
        answer = session.expect_ok(
            bytes([0x80, 0xA8, 0x00, 0x00, len(pdol_data) + 2, 0x83, len(pdol_data)])
            + pdol_data
            + b"\x00"
        )
        afl = _afl(answer)
    except (DolError, ValueError) as exc:
        raise ReaderError(-15, f"金融应用数据格式错：{exc}") from exc
    for offset in range(0, len(afl) - 3, 4):
        sfi, first, last = afl[offset] >> 3, afl[offset + 1], afl[offset + 2]
        for number in range(first, last + 1):
            record = session.read_record_number(sfi, number)
            try:
                pan = find_tlv(record, TAG_PAN)
            except ValueError as exc:
                raise ReaderError(-15, f"金融应用记录格式错：SFI {sfi} 记录 {number}") from exc
            if pan:
                return f"{decode_cn(pan)}|"
    raise ReaderError(-15, "金融应用中未找到主账号（标签5A）")


def _afl(answer: bytes) -> bytes:
    """The AFL of a GPO answer in format 1 (80: AIP ‖ AFL) or format 2 (77: 82, 94)."""
    objects = dict(iter_tlv(answer))
    if 0x80 in objects:
        afl = objects[0x80][2:]
    elif 0x77 in objects:
        afl = find_tlv(objects[0x77], TAG_AFL) or b""
    else:
        raise ValueError("GPO answer is neither format 80 nor 77")
    if len(afl) % 4 or not afl:
        raise ValueError(f"AFL of {len(afl)} bytes is not a multiple of 4")
    return afl

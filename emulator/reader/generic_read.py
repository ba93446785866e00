"""iReadCard's record access: read the records a pFileAddr names and decode them.

Values are decoded by the record layouts (card_os.ssse.layouts): text for an/gbk/cn fields,
YYYYMMDD for dates, upper-case hex for binary fields and for records no layout knows.
Each value is followed by '|', like every other output of the interface.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from card_os.ssse.layouts import EF0D, EF05, EF06, DfLayout, EfLayout, RecordField, decode_value
from emulator.reader.card_session import CardSession, Record, parse_record
from emulator.reader.codes import ReaderError
from emulator.reader.file_addr import FileAddress

__all__ = ["format_value", "read_records"]

#: RID of the SSSE sub-applications DF01-DF04 (card-spec §1.1: AID D156000005 ‖ suffix).
SUB_APP_RID = bytes.fromhex("D156000005")
SSSE_EFS: tuple[EfLayout, ...] = (EF05, EF06, EF0D)
#: Records are numbered 1..254; reading stops at the first 6A83 (record not found).
MAX_RECORDS = 254


def read_records(session: CardSession, address: FileAddress, dfs: Iterable[DfLayout]) -> str:
    """Select the DF of ``address`` (SSSE is already selected) and read its records."""
    layouts = SSSE_EFS
    if address.df is not None:
        df = next((d for d in dfs if d.fid == address.df_fid), None)
        suffix = df.aid_suffix if df is not None else address.df - 1
        session.select_aid(SUB_APP_RID + bytes([suffix]))
        layouts = tuple(df.efs) if df is not None else ()
    ef = next((e for e in layouts if e.fid == address.ef), None)
    fields = {f.tag: f for f in ef.records} if ef is not None else {}
    if address.records:
        values = [session.read_record(address.sfi, tag) for tag in address.records]
    else:
        values = list(_all_records(session, address.sfi))
    return "".join(f"{format_value(fields.get(r.tag), r.value)}|" for r in values)


def _all_records(session: CardSession, sfi: int) -> Iterator[Record]:
    for number in range(1, MAX_RECORDS + 1):
        try:
            raw = session.read_record_number(sfi, number)
        except ReaderError as err:
            if err.code == -0x6A83 and number > 1:
                return
            raise
        if raw:
            yield parse_record(raw, raw[0])


def format_value(field: RecordField | None, raw: bytes) -> str:
    """The output text of one record value."""
    if field is None:
        return raw.hex().upper()
    value = decode_value(field, raw)
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%Y%m%d")
    if isinstance(value, bytes):
        return value.hex().upper()
    if field.format == "ethnic":
        return f"{value:02d}"
    return str(value)

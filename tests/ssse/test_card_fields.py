"""Every field of generated cards read through APDUs and checked by the independent decoder."""

from __future__ import annotations

import datetime as dt

import pytest
import ssse_refdecoder as ref
from ssse_support import ISSUED, REGION, MakeCard, Terminal, authenticate_rkssse

from emulator.population import make_cardholder


def read_file(term: Terminal, sfi: int, table: dict) -> dict[int, bytes]:
    out = {}
    for tag, (number, _, _) in table.items():
        data, sw = term.read(number, (sfi << 3) | 4)
        if sw == 0x6A83 and tag == 0x4E:
            continue
        assert sw == 0x9000, f"SFI {sfi} record {number}: {sw:04X}"
        got_tag, value = ref.split_tlv(data, table)
        assert got_tag == tag, f"record {number} carries tag {got_tag:02X}, expected {tag:02X}"
        # the same record by identifier (card-spec §2.1: P2 = SFI<<3)
        assert term.read(tag, sfi << 3) == (data, 0x9000)
        out[tag] = value
    return out


@pytest.mark.parametrize(
    ("generation", "kind"), [(2, "formal"), (3, "formal"), (3, "temporary"), (2, "temporary")]
)
def test_every_field_decodes_per_reference(make_card: MakeCard, generation: int, kind: str) -> None:
    made = make_card(generation=generation, kind=kind, seed=11 + generation)
    term, holder = made.term, made.holder
    # card-spec §5: 3B 6D 00 00 + 13 historical bytes, T=0 only, so no TCK
    assert term.atr[:4] == bytes.fromhex("3B6D0000") and len(term.atr) == 17
    fci = term.select_ssse()
    assert bytes.fromhex("9F0C038601") + bytes([1 if generation == 2 else 3]) in fci  # §2.1
    if generation == 3:
        authenticate_rkssse(made)
    ef05 = read_file(term, 5, ref.EF05_TABLE)
    card_id = ef05[0x01]
    assert ref.cn(card_id[:3]) == REGION and card_id[3:8] == bytes.fromhex("D156000005")
    assert ref.an(ef05[0x03]) == f"{generation}.00"
    assert ref.an(ef05[0x02]) == "3"
    assert ref.ymd(ef05[0x05]) == ISSUED
    expiry = ref.ymd(ef05[0x06])
    if kind == "temporary":
        assert expiry == ISSUED + dt.timedelta(days=60)
    else:
        assert expiry == dt.date(ISSUED.year + 10, ISSUED.month, ISSUED.day) - dt.timedelta(days=1)
    number = ref.an(ef05[0x07])
    assert ref.card_number_ok(number) and number == holder.card_number

    ef06 = read_file(term, 6, ref.EF06_TABLE)
    citizen = ref.an(ef06[0x08])
    assert ref.citizen_id_ok(citizen) and citizen == holder.citizen_id
    full = ref.gbk(ef06[0x09]) + ref.gbk(ef06.get(0x4E, b""))
    assert full == holder.name
    assert ef06[0x09].endswith(b"\x00") or len(holder.name.encode("gbk")) >= 30
    sex = ref.an(ef06[0x0A])
    assert sex in "12" and int(citizen[16]) % 2 == (1 if sex == "1" else 0)  # GB 11643
    assert ref.cn(ef06[0x0B]) == f"{holder.ethnic:02d}"
    assert ref.cn(ef06[0x0C]) == citizen[:6]
    assert ref.ymd(ef06[0x0D]).strftime("%Y%m%d") == citizen[6:14]
    # formal cards carry the PBOC application, temporary cards do not (issue 3)
    _, sw = term.send("00A404000E315041592E5359532E4444463031")
    assert (sw in (0x9000,) or sw >> 8 == 0x61) == (kind == "formal")


def test_long_name_uses_extension(make_card: MakeCard) -> None:
    seed = next(s for s in range(500) if len(make_cardholder(s).name) > 15)
    made = make_card(generation=3, seed=seed)
    authenticate_rkssse(made)
    ef06 = read_file(made.term, 6, ref.EF06_TABLE)
    assert len(ref.gbk(ef06[0x09]).encode("gbk")) == 30  # 姓名 filled to 15 characters
    assert ref.gbk(ef06[0x4E]) != ""
    assert ref.gbk(ef06[0x09]) + ref.gbk(ef06[0x4E]) == made.holder.name


@pytest.mark.parametrize("pad", [0x00, 0xFF])
def test_name_extension_padding_is_a_profile_choice(make_card: MakeCard, pad: int) -> None:
    # card-spec §1.2: the 姓名扩展 padding byte is unverified, so it is an issuer choice.
    seed = next(s for s in range(500) if len(make_cardholder(s).name) <= 15)
    made = make_card(generation=2, seed=seed, name_ext_pad=pad)
    made.term.select_ssse()
    data, sw = made.term.read(3, (6 << 3) | 4)
    assert sw == 0x9000
    assert ref.split_tlv(data, ref.EF06_TABLE) == (0x4E, bytes([pad]) * 20)


@pytest.mark.parametrize("kind", ["formal", "temporary"])
def test_data_areas_by_card_kind(make_card: MakeCard, kind: str) -> None:
    made = make_card(generation=3, kind=kind)
    made.term.select_ssse()
    present = {}
    for suffix in range(4):  # card-spec §1.1: DF01-DF04 = D156000005 00..03
        _, sw = made.term.send(bytes.fromhex(f"00A4040006D156000005{suffix:02X}00"))
        present[suffix] = sw == 0x9000 or sw >> 8 == 0x61
        if not present[suffix]:
            assert sw == 0x6A82
        made.term.select_ssse()
    expected = {0: True, 1: kind == "formal", 2: kind == "formal", 3: True}
    assert present == expected

"""SELECT (INS A4, ISO/IEC 7816-4 §11.2.2): by FID, DF name (partial, with occurrences), path,
parent; P2 chooses FCI, FCP, FMD or no response data."""

from __future__ import annotations

from card_os.apdu import Command
from card_os.context import Context
from card_os.fs import DF, EF
from card_os.sw import CardError

#: P2 b4-b3 -> template tag (None: no response data).
TEMPLATES = {0x00: 0x6F, 0x04: 0x62, 0x08: 0x64, 0x0C: None}
#: Life-cycle states a SELECT reports with a warning (the file is still selected).
LCS_WARNINGS = {"deactivated": 0x6283, "terminated": 0x6285}


def _fid(data: bytes) -> int:
    if len(data) != 2:
        raise CardError(0x6A87)
    return data[0] << 8 | data[1]


def _by_fid(ctx: Context, data: bytes) -> DF | EF:
    """P1=00: MF, the current DF, its children, its parent or the parent's children."""
    mf = ctx.card.mf
    if not data:
        return mf
    fid = _fid(data)
    if fid == 0x3F00:
        return mf
    df = ctx.df
    if fid == df.fid:
        return df
    node = df.child_by_fid.get(fid)
    if node is not None:
        return node
    parent = df.parent
    if parent is not None:
        if fid == parent.fid:
            return parent
        node = parent.child_by_fid.get(fid)
        if node is not None:
            return node
    raise CardError(0x6A82)


def _child(ctx: Context, data: bytes, want_df: bool) -> DF | EF:
    node = ctx.df.child_by_fid.get(_fid(data))
    if node is None or node.is_df is not want_df:
        raise CardError(0x6A82)
    return node


def _by_path(start: DF, data: bytes) -> DF | EF:
    if not data or len(data) % 2:
        raise CardError(0x6A87)
    node: DF | EF = start
    for i in range(0, len(data), 2):
        fid = data[i] << 8 | data[i + 1]
        if i == 0 and fid == 0x3F00 and start.parent is None:
            continue  # tolerate the MF's own FID at the head of a path from the MF
        if not isinstance(node, DF):
            raise CardError(0x6A82)
        child = node.child_by_fid.get(fid)
        if child is None:
            raise CardError(0x6A82)
        node = child
    return node


def _by_name(ctx: Context, name: bytes, occurrence: int) -> DF:
    """P1=04: DF name, right-truncated names allowed; P2 b2-b1 first/last/next/previous."""
    if not 1 <= len(name) <= 16:
        raise CardError(0x6700 if len(name) > 16 else 0x6A87)
    matches = [df for df in ctx.card.named_dfs if df.name.startswith(name)]  # type: ignore[union-attr]
    if not matches:
        raise CardError(0x6A82)
    if occurrence == 0x00:
        return matches[0]
    if occurrence == 0x01:
        return matches[-1]
    order = ctx.card.named_dfs
    here = order.index(ctx.df) if ctx.df in order else -1
    if occurrence == 0x02:  # next
        later = [df for df in matches if order.index(df) > here]
        if later:
            return later[0]
    else:  # previous
        earlier = [df for df in matches if order.index(df) < here] if here >= 0 else matches
        if earlier:
            return earlier[-1]
    raise CardError(0x6A82)


def select(ctx: Context, cmd: Command) -> bytes:
    p1, p2, data = cmd.p1, cmd.p2, cmd.data
    if p2 & 0xF0:
        raise CardError(0x6A86)
    kind = TEMPLATES[p2 & 0x0C]
    occurrence = p2 & 0x03
    if p1 == 0x04:
        node: DF | EF = _by_name(ctx, data, occurrence)
    elif occurrence:
        raise CardError(0x6A86)
    elif p1 == 0x00:
        node = _by_fid(ctx, data)
    elif p1 == 0x02:
        node = _child(ctx, data, False)
    elif p1 == 0x01:
        node = _child(ctx, data, True)
    elif p1 == 0x03:
        if data:
            raise CardError(0x6A87)
        parent = ctx.df.parent
        if parent is None:
            raise CardError(0x6A82)
        node = parent
    elif p1 == 0x08:
        node = _by_path(ctx.card.mf, data)
    elif p1 == 0x09:
        node = _by_path(ctx.df, data)
    else:
        raise CardError(0x6A86)
    if node.is_df:
        ctx.select_df(node)  # type: ignore[arg-type]
        if node.app is not None and ctx.app is not None:  # type: ignore[union-attr]
            ctx.app.selected(ctx)  # the application's DF itself was selected
    else:
        ctx.select_ef(node)  # type: ignore[arg-type]
    out = b"" if kind is None else node.template(kind)
    warning = LCS_WARNINGS.get(node.lcs)
    if warning is not None:
        raise CardError(warning, out)
    return out

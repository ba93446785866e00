"""Small inline SVG charts, so a load report is one self-contained HTML file."""

from __future__ import annotations

from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf")
WIDTH, HEIGHT, PAD_L, PAD_B, PAD_T, PAD_R = 720, 270, 64, 36, 40, 16


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** len(str(int(value))) / 10 if value >= 1 else 1.0
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value


def line_chart(
    title: str,
    x: list[float],
    lines: dict[str, list[float | None]],
    *,
    x_label: str,
    y_label: str,
) -> str:
    """A line chart with one line per named series; None values leave gaps."""
    values = [v for ys in lines.values() for v in ys if v is not None]
    y_max = _nice_max(max(values, default=0.0))
    x_min, x_max = (x[0], x[-1]) if len(x) > 1 else (0.0, 1.0)
    span = (x_max - x_min) or 1.0
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B

    def px(xv: float) -> float:
        return PAD_L + (xv - x_min) / span * plot_w

    def py(yv: float) -> float:
        return PAD_T + plot_h - yv / y_max * plot_h

    parts = [_frame(title, x_label, y_label)]
    for i in range(5):
        yv = y_max * i / 4
        parts.append(
            f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{py(yv):.1f}" y2="{py(yv):.1f}" '
            f'stroke="#ddd"/><text x="{PAD_L - 6}" y="{py(yv) + 4:.1f}" text-anchor="end">'
            f"{_fmt(yv)}</text>"
        )
    for i in range(6):
        xv = x_min + span * i / 5
        parts.append(
            f'<text x="{px(xv):.1f}" y="{HEIGHT - PAD_B + 16}" text-anchor="middle">{_fmt(xv)}</text>'
        )
    for n, (name, ys) in enumerate(lines.items()):
        colour = PALETTE[n % len(PALETTE)]
        segments, current = [], []
        for xv, yv in zip(x, ys, strict=True):
            if yv is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append(f"{px(xv):.1f},{py(yv):.1f}")
        if current:
            segments.append(current)
        for seg in segments:
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{" ".join(seg)}"/>'
            )
        parts.append(
            f'<rect x="{PAD_L + 8 + n * 150}" y="{PAD_T - 16}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{PAD_L + 22 + n * 150}" y="{PAD_T - 7}">{escape(name)}</text>'
        )
    return _svg(parts)


def bar_chart(
    title: str, bars: dict[str, float], *, y_label: str, y_max: float | None = None
) -> str:
    """Vertical bars, one per label (e.g. utilisation per platform)."""
    top = y_max if y_max is not None else _nice_max(max(bars.values(), default=0.0))
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B
    width = plot_w / max(1, len(bars))
    parts = [_frame(title, "", y_label)]
    for i in range(5):
        yv = top * i / 4
        y = PAD_T + plot_h - yv / top * plot_h
        parts.append(
            f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(yv)}</text>'
        )
    for n, (label, value) in enumerate(bars.items()):
        h = min(value, top) / top * plot_h
        x = PAD_L + n * width
        parts.append(
            f'<rect x="{x + width * 0.1:.1f}" y="{PAD_T + plot_h - h:.1f}" width="{width * 0.8:.1f}" '
            f'height="{h:.1f}" fill="{PALETTE[0]}"><title>{escape(label)}: {_fmt(value)}</title></rect>'
        )
        if len(bars) <= 40:
            parts.append(
                f'<text x="{x + width / 2:.1f}" y="{HEIGHT - PAD_B + 12}" text-anchor="end" '
                f'font-size="9" transform="rotate(-45 {x + width / 2:.1f} {HEIGHT - PAD_B + 12})">'
                f"{escape(label)}</text>"
            )
    return _svg(parts)


def _frame(title: str, x_label: str, y_label: str) -> str:
    return (
        f'<text x="{WIDTH / 2}" y="14" text-anchor="middle" font-weight="bold">{escape(title)}</text>'
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 4}" text-anchor="middle">{escape(x_label)}</text>'
        f'<text x="12" y="{HEIGHT / 2}" text-anchor="middle" '
        f'transform="rotate(-90 12 {HEIGHT / 2})">{escape(y_label)}</text>'
        f'<line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{HEIGHT - PAD_B}" stroke="#333"/>'
        f'<line x1="{PAD_L}" y1="{HEIGHT - PAD_B}" x2="{WIDTH - PAD_R}" y2="{HEIGHT - PAD_B}" stroke="#333"/>'
    )


def _svg(parts: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="11">'
        + "".join(parts)
        + "</svg>"
    )


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}"
    return f"{value:.3g}"

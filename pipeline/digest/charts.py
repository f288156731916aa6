"""Twelve-week trend charts as small PNGs: a reader sees a spike faster than they read one.

Drawn with Pillow at twice the displayed size so that they stay sharp on phones; the numbers are also in the
text version and the alt text, so nothing depends on seeing the image. Pure: a series in, PNG bytes out.
"""

from __future__ import annotations

import io
from datetime import date
from functools import cache

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 280, 72  # as displayed; drawn at SCALE times that
SCALE = 2
_BAR = (148, 163, 184)
_CURRENT = {None: (30, 64, 175), "spike": (194, 65, 12), "back": (21, 128, 61), "lull": (100, 116, 139)}
_TEXT = (51, 65, 85)
_MEAN = (148, 163, 184)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size * SCALE)


def trend_png(series: list[int], weeks: list[str], mean: float | None = None, flag: str | None = None) -> bytes:
    """Bars per week, the last (the digest's week) coloured by its flag, a dotted line at the usual mean."""
    w, h = WIDTH * SCALE, HEIGHT * SCALE
    image = Image.new("RGB", (w, h), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    small = _font(9)
    top, bottom, left, right = 14 * SCALE, h - 13 * SCALE, 2 * SCALE, w - 2 * SCALE
    peak = max([*series, 1, int(mean or 0)])
    n = max(len(series), 1)
    slot = (right - left) / n
    for i, value in enumerate(series):
        x0 = left + i * slot + slot * 0.15
        x1 = left + (i + 1) * slot - slot * 0.15
        bar_top = bottom - (bottom - top) * value / peak
        colour = _CURRENT.get(flag, _CURRENT[None]) if i == n - 1 else _BAR
        if value:
            draw.rectangle((x0, bar_top, x1, bottom), fill=colour)
        else:
            draw.line((x0, bottom, x1, bottom), fill=_BAR, width=SCALE)
        if i == n - 1:
            draw.text(((x0 + x1) / 2, bar_top - 2 * SCALE), str(value), fill=colour, font=small, anchor="md")
    if mean:
        y = bottom - (bottom - top) * mean / peak
        for x in range(int(left), int(right), 6 * SCALE):
            draw.line((x, y, x + 3 * SCALE, y), fill=_MEAN, width=SCALE)
    if weeks:
        draw.text((left, h - 1 * SCALE), weeks[0].split("-")[-1], fill=_TEXT, font=small, anchor="ld")
        draw.text((right, h - 1 * SCALE), weeks[-1].split("-")[-1], fill=_TEXT, font=small, anchor="rd")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def values_png(points: list[tuple[str, float]], baseline: float, width: int = 560, height: int = 160) -> bytes:
    """Reported values of one indicator over time (ISO dates), dots joined by a line, and the baseline drawn
    as a dashed line: how far a figure has moved, and when."""
    w, h = width * SCALE, height * SCALE
    image = Image.new("RGB", (w, h), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    small = _font(9)
    top, bottom, left, right = 12 * SCALE, h - 14 * SCALE, 34 * SCALE, w - 8 * SCALE
    values = [v for _, v in points] + [baseline]
    low, high = min(values), max(values)
    pad = (high - low) * 0.15 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad

    def y(v: float) -> float:
        return bottom - (bottom - top) * (v - low) / (high - low)

    days = sorted({d[:10] for d, _ in points})
    first, last = (days[0], days[-1]) if days else ("", "")
    span = max((_day(last) - _day(first)), 1) if days else 1

    def x(d: str) -> float:
        return left + (right - left) * ((_day(d[:10]) - _day(first)) / span if len(days) > 1 else 0.5)

    for xx in range(int(left), int(right), 8 * SCALE):
        draw.line((xx, y(baseline), xx + 4 * SCALE, y(baseline)), fill=_MEAN, width=SCALE)
    draw.text((left - 3 * SCALE, y(baseline)), _short(baseline), fill=_TEXT, font=small, anchor="rm")
    line = [(x(d), y(v)) for d, v in sorted(points)]
    if len(line) > 1:
        draw.line(line, fill=_CURRENT[None], width=2 * SCALE)
    for px, py in line:
        r = 3 * SCALE
        draw.ellipse((px - r, py - r, px + r, py + r), fill=_CURRENT[None])
    if line:
        draw.text((line[-1][0], line[-1][1] - 5 * SCALE), _short(sorted(points)[-1][1]), fill=_CURRENT[None],
                  font=small, anchor="md")  # fmt: skip
    if days:
        draw.text((left, h - 1 * SCALE), first, fill=_TEXT, font=small, anchor="ld")
        draw.text((right, h - 1 * SCALE), last, fill=_TEXT, font=small, anchor="rd")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _day(iso: str) -> int:
    return date.fromisoformat(iso).toordinal()


def _short(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".")

"""Two small drawing algorithms of the server-rendered maps (no Django).

``LabelPlacer`` puts text labels where they overlap neither each other nor what the map marks
as taken (the place's marker): each label tries its candidate positions in order and is dropped
when none is free. Text width is estimated from the character count, on the generous side, so
labels that pass here do not touch in a browser either.

``grid_groups`` groups points that fall into the same square of a grid: the map draws a group of
one as a pin and a larger group as a numbered circle (the same rule as the Leaflet layer's).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# the widest a character of the maps' sans-serif labels gets on average, in em, and the white
# halo drawn around each label (paint-order stroke), in px
CHAR_EM = 0.62
HALO_PX = 2.0


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in SVG coordinates (y grows downwards)."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )


def text_box(x: float, y: float, text: str, *, font_px: float) -> Box:
    """The rectangle a label covers when drawn centred on ``x`` with its baseline at ``y``."""
    half = len(text) * font_px * CHAR_EM / 2 + HALO_PX
    return Box(x - half, y - font_px * 0.8 - HALO_PX, x + half, y + font_px * 0.25 + HALO_PX)


@dataclass
class LabelPlacer:
    """Labels inside a ``width`` × ``height`` frame that never overlap.

    ``taken`` holds rectangles no label may cover; each placed label is added to it."""

    width: float
    height: float
    font_px: float = 11.0
    taken: list[Box] = field(default_factory=list)

    def place(
        self, text: str, candidates: Iterable[tuple[float, float]]
    ) -> tuple[float, float] | None:
        """The first candidate (x, baseline y) where ``text`` fits, moved inside the frame if it
        sticks out; None when every candidate collides (the label is then not drawn)."""
        for x, y in candidates:
            box = text_box(x, y, text, font_px=self.font_px)
            if box.x1 - box.x0 > self.width or box.y1 - box.y0 > self.height:
                return None  # longer than the frame is wide: never fits
            # slide a label that sticks out of the frame back in (to a tenth of a pixel, the
            # precision the maps write)
            x = _inward(x, box.x0, box.x1, self.width)
            y = _inward(y, box.y0, box.y1, self.height)
            box = text_box(x, y, text, font_px=self.font_px)
            if any(box.overlaps(other) for other in self.taken):
                continue
            self.taken.append(box)
            return x, y
        return None


def _inward(at: float, low: float, high: float, size: float) -> float:
    """``at`` moved so that [low, high] lies within [0, size], rounded to 0.1 (inwards when
    rounding would push it out again)."""
    shift = -low if low < 0 else size - high if high > size else 0.0
    moved = at + shift
    rounded = round(moved, 1)
    if low + shift + (rounded - moved) < 0:
        return math.ceil(moved * 10) / 10
    if high + shift + (rounded - moved) > size:
        return math.floor(moved * 10) / 10
    return rounded


def grid_groups(points: Sequence[tuple[float, float]], cell: float) -> list[list[int]]:
    """The indexes of ``points`` (x, y) grouped by the ``cell`` × ``cell`` square each falls in,
    in the order of each group's first point."""
    if cell <= 0:
        raise ValueError("cell must be positive")
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (x, y) in enumerate(points):
        groups.setdefault((math.floor(x / cell), math.floor(y / cell)), []).append(i)
    return list(groups.values())

"""Pixel geometry of the canvas, without Qt: which part of a box a point grabs, and where a drag takes it.

Rects are (left, top, right, bottom) in image pixels. Moves keep the box inside the image; resizes clip
the dragged edges to it, and dragging an edge past the opposite one flips the box instead of inverting it.
"""

from __future__ import annotations

import enum

Rect = tuple[float, float, float, float]


class Grip(enum.Enum):
    NONE = "none"
    BODY = "body"  # move
    N = "n"
    S = "s"
    E = "e"
    W = "w"
    NE = "ne"
    NW = "nw"
    SE = "se"
    SW = "sw"

    @property
    def is_resize(self) -> bool:
        return self not in (Grip.NONE, Grip.BODY)


def normalized(rect: Rect) -> Rect:
    left, top, right, bottom = rect
    return min(left, right), min(top, bottom), max(left, right), max(top, bottom)


def clip(rect: Rect, width: float, height: float) -> Rect:
    left, top, right, bottom = normalized(rect)
    return (
        min(max(left, 0.0), width),
        min(max(top, 0.0), height),
        min(max(right, 0.0), width),
        min(max(bottom, 0.0), height),
    )


def grip_at(rect: Rect, x: float, y: float, tolerance: float) -> Grip:
    """What a press at (x, y) grabs: a corner, an edge (within ``tolerance`` pixels), the body, or nothing."""
    left, top, right, bottom = normalized(rect)
    if not (left - tolerance <= x <= right + tolerance and top - tolerance <= y <= bottom + tolerance):
        return Grip.NONE
    near_left, near_right = abs(x - left) <= tolerance, abs(x - right) <= tolerance
    near_top, near_bottom = abs(y - top) <= tolerance, abs(y - bottom) <= tolerance
    if near_left and near_right:  # a box thinner than the grip: take the nearer edge
        near_left, near_right = abs(x - left) < abs(x - right), abs(x - left) >= abs(x - right)
    if near_top and near_bottom:
        near_top, near_bottom = abs(y - top) < abs(y - bottom), abs(y - top) >= abs(y - bottom)
    vertical = "n" if near_top else "s" if near_bottom else ""
    horizontal = "w" if near_left else "e" if near_right else ""
    if vertical or horizontal:
        return Grip(vertical + horizontal)
    return Grip.BODY


def dragged(rect: Rect, grip: Grip, dx: float, dy: float, width: float, height: float) -> Rect:
    """``rect`` after dragging ``grip`` by (dx, dy) pixels, within a ``width`` x ``height`` image."""
    left, top, right, bottom = normalized(rect)
    if grip is Grip.BODY:
        dx = min(max(dx, -left), width - right)
        dy = min(max(dy, -top), height - bottom)
        return left + dx, top + dy, right + dx, bottom + dy
    if grip is Grip.NONE:
        return left, top, right, bottom
    name = grip.value
    if "w" in name:
        left += dx
    if "e" in name:
        right += dx
    if "n" in name:
        top += dy
    if "s" in name:
        bottom += dy
    return clip((left, top, right, bottom), width, height)


CURSORS = {
    Grip.N: "size_ver",
    Grip.S: "size_ver",
    Grip.E: "size_hor",
    Grip.W: "size_hor",
    Grip.NE: "size_bdiag",
    Grip.SW: "size_bdiag",
    Grip.NW: "size_fdiag",
    Grip.SE: "size_fdiag",
    Grip.BODY: "size_all",
}

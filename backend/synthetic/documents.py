"""Clean synthetic documents: a page of headings, paragraphs, lists, tables, forms, signatures and stamps.

Rendered with Pillow's built-in scalable font (``ImageFont.load_default(size=...)``), so nothing is
downloaded. Text sizes are in pixels, not fractions of the page, so a large ``size`` gives a page with more
text rather than bigger letters, and degradations measured in pixels mean the same at every size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from backend.synthetic import words
from backend.synthetic.fields import smooth_noise

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
RGB = tuple[int, int, int]

STAMP_INKS: tuple[RGB, ...] = ((190, 30, 40), (40, 60, 170), (110, 40, 140), (30, 120, 70), (200, 60, 30))
PEN_INKS: tuple[RGB, ...] = ((25, 45, 140), (20, 20, 30), (35, 35, 90))


@lru_cache(maxsize=128)
def font(size: int) -> Font:
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=65536)
def text_width(size: int, text: str) -> float:
    return float(font(size).getlength(text))


@dataclass
class _Page:
    rng: np.random.Generator
    image: Image.Image
    draw: ImageDraw.ImageDraw
    size: int
    body: int  # body text size in pixels
    leading: float  # line pitch / body size
    ink: RGB
    paper: RGB
    left: int
    right: int
    y: float

    def fits(self) -> bool:
        return self.y < self.size

    def gap(self, lines: float = 1.0) -> None:
        self.y += self.body * lines * float(self.rng.uniform(0.5, 1.1))


def render_document(rng: np.random.Generator, size: int) -> np.ndarray:
    """A clean ``size`` x ``size`` RGB document page (uint8), drawn entirely from ``rng``."""
    scale = max(1.0, size / 768)
    body = int(np.clip(rng.uniform(10, 24) * scale, 8, max(8, size // 8)))
    base = float(rng.uniform(226, 252))
    tint = rng.uniform(-1, 1) * np.array([4.0, 1.0, -6.0])  # warm or cool paper
    paper = tuple(int(np.clip(base + t, 0, 255)) for t in tint)
    ink_level = int(rng.integers(8, 60))
    ink = (ink_level, ink_level, min(255, ink_level + int(rng.integers(0, 25))))
    image = Image.new("RGB", (size, size), paper)  # type: ignore[arg-type]
    margin = int(body * rng.uniform(0.6, 3.5))
    page = _Page(
        rng=rng,
        image=image,
        draw=ImageDraw.Draw(image),
        size=size,
        body=body,
        leading=float(rng.uniform(1.2, 1.65)),
        ink=ink,
        paper=paper,  # type: ignore[arg-type]
        left=margin,
        right=size - int(body * rng.uniform(0.6, 3.5)),
        y=-body * float(rng.uniform(0, 2)) if rng.random() < 0.3 else margin,
    )
    if rng.random() < 0.4:
        _letterhead(page)
    while page.fits():
        block = _BLOCKS[int(rng.choice(len(_BLOCKS), p=_WEIGHTS))]
        block(page)
        page.gap()
    pixels = np.array(image)
    for _ in range(int(rng.choice(3, p=[0.45, 0.4, 0.15]))):
        _stamp(page, pixels)
    return pixels


# -- blocks -----------------------------------------------------------------------------------------


def _letterhead(page: _Page) -> None:
    rng = page.rng
    size = int(page.body * rng.uniform(1.4, 2.2))
    x = page.left
    if rng.random() < 0.5:  # a logo: a coloured block with initials
        colour = STAMP_INKS[int(rng.integers(len(STAMP_INKS)))]
        side = int(size * 1.6)
        page.draw.rectangle((x, page.y, x + side, page.y + side), fill=colour)
        initials = "".join(chr(65 + int(c)) for c in rng.integers(0, 26, 2))
        page.draw.text((x + side * 0.12, page.y + side * 0.2), initials, font=font(size), fill=page.paper)
        x += int(side * 1.3)
    name = " ".join(words.WORDS[int(i)].capitalize() for i in rng.integers(0, len(words.WORDS), 2)) + " Ltd."
    page.draw.text((x, page.y), name, font=font(size), fill=page.ink)
    small = max(8, int(page.body * 0.8))
    date = f"Date: {words.date(rng)}"
    date_x = page.right - text_width(small, date)
    beside = date_x >= x + text_width(size, name) + size  # else below the name, right-aligned
    date_y = page.y if beside else page.y + size * 1.5
    page.draw.text((date_x, date_y), date, font=font(small), fill=page.ink)
    page.y = max(page.y + size * 1.8, date_y + small * 1.6)
    page.draw.line((page.left, page.y, page.right, page.y), fill=page.ink, width=max(1, page.body // 10))
    page.y += page.body * 0.6


def _heading(page: _Page) -> None:
    rng = page.rng
    size = int(page.body * rng.uniform(1.2, 2.0))
    text = words.title(rng)
    width = text_width(size, text)
    x = (page.left + page.right - width) / 2 if rng.random() < 0.4 else page.left
    bold = size >= 14 and rng.random() < 0.5
    page.draw.text((x, page.y), text, font=font(size), fill=page.ink, stroke_width=1 if bold else 0)
    if rng.random() < 0.3:
        under = page.y + size * 1.15
        page.draw.line((x, under, x + width, under), fill=page.ink, width=max(1, size // 14))
    page.y += size * 1.5


def _paragraph(page: _Page) -> None:
    rng = page.rng
    if rng.random() < 0.2 and page.right - page.left > page.body * 24:
        gutter = page.body * 1.5
        middle = (page.left + page.right) / 2
        top = page.y
        n_lines = int(rng.integers(3, 10))
        end_left = _text_lines(page, page.left, middle - gutter / 2, top, n_lines)
        end_right = _text_lines(page, middle + gutter / 2, page.right, top, n_lines)
        page.y = max(end_left, end_right)
        return
    if rng.random() < 0.15:  # a shaded note box behind the paragraph
        shade = tuple(max(0, c - int(rng.integers(10, 25))) for c in page.paper)
        n_lines = int(rng.integers(2, 6))
        height = n_lines * page.body * page.leading + page.body * 0.8
        page.draw.rectangle((page.left, page.y, page.right, page.y + height), fill=shade)  # type: ignore[arg-type]
        pad = page.body * 0.5
        page.y = _text_lines(page, page.left + pad, page.right - pad, page.y + pad * 0.8, n_lines) + pad
        return
    page.y = _text_lines(page, page.left, page.right, page.y, int(rng.integers(2, 12)))


def _text_lines(page: _Page, x0: float, x1: float, y: float, n_lines: int, *, indent: bool = True) -> float:
    """Wrap random sentences into ``n_lines`` lines between x0 and x1; return the y below them."""
    rng = page.rng
    size = page.body
    space = text_width(size, " ")
    width = x1 - x0
    justify = rng.random() < 0.4
    first_indent = size * 2.0 if indent and rng.random() < 0.3 else 0.0
    pitch = size * page.leading
    pool = words.paragraph_words(rng, int(n_lines * max(4, width / (size * 3.2))) + 4)
    k = 0
    for line_no in range(n_lines):
        if y > page.size:
            break
        start = x0 + (first_indent if line_no == 0 else 0.0)
        line: list[str] = []
        used = 0.0
        while k < len(pool):
            w = text_width(size, pool[k])
            if line and used + space + w > x1 - start:
                break
            used += (space if line else 0.0) + w
            line.append(pool[k])
            k += 1
        if not line:
            break
        last = line_no == n_lines - 1 or k >= len(pool)
        extra = (x1 - start - used) / max(1, len(line) - 1)
        if justify and not last and len(line) > 2 and extra < size * 0.8:  # no rivers of white
            x = start
            for word in line:
                page.draw.text((x, y), word, font=font(size), fill=page.ink)
                x += text_width(size, word) + space + extra
        else:
            if last and not line[-1].endswith("."):
                line[-1] = line[-1].rstrip(",") + "."
            page.draw.text((start, y), " ".join(line), font=font(size), fill=page.ink)
        y += pitch
    return y


def _bullets(page: _Page) -> None:
    rng = page.rng
    size = page.body
    numbered = rng.random() < 0.5
    hang = size * 1.8
    for item in range(int(rng.integers(2, 6))):
        if page.y > page.size:
            return
        if numbered:
            page.draw.text((page.left, page.y), f"{item + 1}.", font=font(size), fill=page.ink)
        else:
            r = size * 0.18
            cx, cy = page.left + size * 0.5, page.y + size * 0.6
            page.draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=page.ink)
        page.y = _text_lines(page, page.left + hang, page.right, page.y, int(rng.integers(1, 3)), indent=False)


def _table(page: _Page) -> None:
    rng = page.rng
    size = max(8, int(page.body * rng.uniform(0.8, 1.0)))
    n_cols = int(rng.integers(2, 6))
    n_rows = int(rng.integers(3, 9))
    shares = rng.uniform(0.6, 1.6, n_cols)
    edges = page.left + np.concatenate([[0.0], np.cumsum(shares / shares.sum())]) * (page.right - page.left)
    row_h = size * float(rng.uniform(1.6, 2.2))
    top = page.y
    bottom = top + n_rows * row_h
    line_w = max(1, size // 12)
    full_grid = rng.random() < 0.6
    if rng.random() < 0.5:  # shaded header row
        shade = tuple(max(0, c - int(rng.integers(15, 40))) for c in page.paper)
        page.draw.rectangle((edges[0], top, edges[-1], top + row_h), fill=shade)  # type: ignore[arg-type]
    for r in range(n_rows + 1):
        if full_grid or r in (0, 1, n_rows):
            y = top + r * row_h
            page.draw.line((edges[0], y, edges[-1], y), fill=page.ink, width=line_w)
    if full_grid:
        for x in edges:
            page.draw.line((x, top, x, bottom), fill=page.ink, width=line_w)
    pad = size * 0.35
    for r in range(n_rows):
        y = top + r * row_h + (row_h - size) / 2
        if y > page.size:
            break
        for c in range(n_cols):
            room = edges[c + 1] - edges[c] - 2 * pad
            text = _header_word(rng, size, room) if r == 0 else words.cell_text(rng)
            while text and text_width(size, text) > room:
                text = text[:-1]
            if text:
                stroke = 1 if r == 0 and size >= 14 else 0
                page.draw.text((edges[c] + pad, y), text, font=font(size), fill=page.ink, stroke_width=stroke)
    page.y = bottom + size * 0.3


def _header_word(rng: np.random.Generator, size: int, room: float) -> str:
    """A column title that fits its column if one of a few tries does."""
    for _ in range(4):
        word = words.WORDS[int(rng.integers(len(words.WORDS)))].capitalize()
        if text_width(size, word) <= room:
            break
    return word


def _form(page: _Page) -> None:
    rng = page.rng
    size = page.body
    for _ in range(int(rng.integers(2, 5))):
        if page.y > page.size:
            return
        if rng.random() < 0.3:  # a row of checkboxes
            x = float(page.left)
            for _ in range(int(rng.integers(2, 4))):
                box = size * 0.9
                page.draw.rectangle((x, page.y, x + box, page.y + box), outline=page.ink, width=1)
                if rng.random() < 0.5:
                    page.draw.line((x, page.y, x + box, page.y + box), fill=page.ink, width=max(1, size // 8))
                    page.draw.line((x, page.y + box, x + box, page.y), fill=page.ink, width=max(1, size // 8))
                label = words.WORDS[int(rng.integers(len(words.WORDS)))].capitalize()
                page.draw.text((x + box * 1.4, page.y), label, font=font(size), fill=page.ink)
                x += box * 1.4 + text_width(size, label) + size * 2
        else:
            label = " ".join(words.sentence(rng, int(rng.integers(1, 3))))[:-1] + ":"
            page.draw.text((page.left, page.y), label, font=font(size), fill=page.ink)
            x = page.left + text_width(size, label) + size * 0.6
            end = x + (page.right - x) * float(rng.uniform(0.4, 1.0))
            base = page.y + size * 1.1
            page.draw.line((x, base, end, base), fill=page.ink, width=1)
            if rng.random() < 0.5:
                value = words.cell_text(rng)
                page.draw.text((x + size * 0.4, page.y), value, font=font(size), fill=page.ink)
        page.y += size * page.leading * 1.3


def _signature(page: _Page) -> None:
    rng = page.rng
    size = page.body
    width = min(page.right - page.left, size * float(rng.uniform(8, 14)))
    x0 = page.left if rng.random() < 0.5 else page.right - width
    base = page.y + size * 2.6
    pen = PEN_INKS[int(rng.integers(len(PEN_INKS)))]
    t = np.linspace(0, 1, 90)
    f1, f2, f3 = rng.uniform(6, 14), rng.uniform(15, 30), rng.uniform(20, 40)
    xs = x0 + width * 0.1 + width * 0.8 * t + size * 0.5 * np.sin(f3 * t + rng.uniform(0, 6))
    amp = size * (0.6 + 0.6 * np.sin(np.pi * t))
    ys = base - size * 0.8 + amp * (0.7 * np.sin(f1 * t) + 0.3 * np.sin(f2 * t + rng.uniform(0, 6)))
    page.draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=pen, width=max(1, size // 9), joint="curve")
    page.draw.line((x0, base + size * 0.5, x0 + width, base + size * 0.5), fill=page.ink, width=1)
    small = max(8, int(size * 0.8))
    page.draw.text((x0, base + size * 0.8), words.person(rng), font=font(small), fill=page.ink)
    page.y = base + size * 2.2


def _rule(page: _Page) -> None:
    y = page.y + page.body * 0.3
    page.draw.line((page.left, y, page.right, y), fill=page.ink, width=max(1, page.body // 10))
    page.y = y + page.body * 0.3


def _stamp(page: _Page, pixels: np.ndarray) -> None:
    """A rubber stamp in coloured ink, rotated and patchy, multiplied onto the page (ink darkens)."""
    rng = page.rng
    radius = int(min(page.size * 0.3, page.body * rng.uniform(3.0, 6.0)))
    if radius < 12:
        return
    colour = np.array(STAMP_INKS[int(rng.integers(len(STAMP_INKS)))], dtype=np.float32) / 255.0
    side = 2 * radius + 4
    mask = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(mask)
    stroke = max(1, radius // 14)
    word = words.STAMP_WORDS[int(rng.integers(len(words.STAMP_WORDS)))]
    if rng.random() < 0.5:  # round stamp: two rings, a word across, a date beneath
        draw.ellipse((2, 2, side - 3, side - 3), outline=255, width=stroke * 2)
        inner = int(radius * 0.78)
        c = side // 2
        draw.ellipse((c - inner, c - inner, c + inner, c + inner), outline=255, width=stroke)
        box_h = radius * 0.7
    else:  # rectangular stamp
        box_h = radius * 1.1
        top = int(side / 2 - box_h / 2)
        draw.rectangle((2, top, side - 3, int(top + box_h)), outline=255, width=stroke * 2)
    word_size = max(8, int(radius * 0.36))
    while word_size > 8 and text_width(word_size, word) > radius * 1.45:
        word_size -= 1
    wx = (side - text_width(word_size, word)) / 2
    draw.text((wx, side / 2 - word_size * 0.75), word, font=font(word_size), fill=255, stroke_width=stroke // 2)
    small = max(8, int(word_size * 0.5))
    date = words.date(rng)
    draw.text(((side - text_width(small, date)) / 2, side / 2 + box_h * 0.12), date, font=font(small), fill=255)
    mask = mask.rotate(float(rng.uniform(-35, 35)), resample=Image.Resampling.BILINEAR, expand=True)
    alpha = np.asarray(mask, dtype=np.float32) / 255.0
    h, w = alpha.shape
    patchy = 0.55 + 0.45 * np.clip(smooth_noise(rng, h, w, cells=5) * 0.8 + 0.6, 0, 1)
    alpha *= patchy * float(rng.uniform(0.7, 0.95))
    x0 = int(rng.integers(-w // 4, page.size - 3 * w // 4))
    y0 = int(rng.integers(-h // 4, page.size - 3 * h // 4))
    ys, xs = slice(max(0, y0), min(page.size, y0 + h)), slice(max(0, x0), min(page.size, x0 + w))
    a = alpha[ys.start - y0 : ys.stop - y0, xs.start - x0 : xs.stop - x0, None]
    region = pixels[ys, xs].astype(np.float32)
    pixels[ys, xs] = np.clip(region * (1.0 - a * (1.0 - colour)) + 0.5, 0, 255).astype(np.uint8)


_Block = Callable[[_Page], None]
_BLOCKS: tuple[_Block, ...] = (_heading, _paragraph, _bullets, _table, _form, _signature, _rule)
_WEIGHTS = np.array([0.14, 0.42, 0.1, 0.14, 0.09, 0.06, 0.05])
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()

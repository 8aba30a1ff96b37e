"""Reading an image into pixels a network can take, and writing the restored pixels back as the same kind
of file: same size and mode (grey stays grey, palette stays palette, 16-bit stays 16-bit, CMYK stays
CMYK: ``omni_core.batch.colour``), alpha carried over untouched, EXIF (orientation included), ICC profile,
resolution and PNG text kept. What a target format cannot hold is said in the notes of the outcome.

Pillow reads the header and metadata of every file and does the pixels of most. Plain PNGs (grey, RGB,
RGBA; 8 or 16 bits) and 16-bit colour TIFFs go through OpenCV instead (``backend.batch.direct``): less
memory for big scans, and Pillow cannot hold 16-bit colour at all.

A multi-page TIFF (a scanned document) is one ``Decoded`` per page, the first holding the others in ``pages``;
every page keeps its own size, mode and metadata, and the output is a TIFF of as many pages in the same order.
Its pages go through Pillow (OpenCV reads only a first page), so 16-bit colour pages are refused there.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from PIL import Image, JpegImagePlugin, PngImagePlugin

from backend.batch import direct
from backend.batch.orientation import from_upright, to_upright, valid_orientation
from backend.batch.png_writer import write_png
from omni_core.batch import colour
from omni_core.batch.probe import Source, UnreadableImage, open_header
from omni_core.formats.upright import ORIENTATION_TAG, stored_size

#: PNGs Pillow writes (palette, transparency key, colour modes ``png_writer`` does not take): lossless either way;
#: zlib level 1 writes ~10% bigger files 5-7x faster than 6
PNG_COMPRESS_LEVEL = 1
#: TIFF tags worth keeping besides what Pillow writes itself (description, make, model, software, date,
#: artist, copyright) - and the orientation
TIFF_KEPT_TAGS = (270, 271, 272, 305, 306, 315, 33432, ORIENTATION_TAG)
#: TIFF's predictor tag and its horizontal differencing (each sample stored as its difference from the left one)
PREDICTOR_TAG, HORIZONTAL_DIFFERENCING = 317, 2
#: modes libtiff cannot difference (1-bit), or should not (palette indices, floating point wants predictor 3)
UNPREDICTED_MODES = ("1", "P", "F")
GREY_MODES = ("I;16", "I;16L", "I;16B", "I;16N")
#: Pillow images whose PNG ``png_writer`` writes (a palette, 1-bit, grey + alpha or a transparency key: Pillow)
FAST_PNG_MODES = ("L", "RGB", "RGBA", "I;16")
COLOUR_16BIT = direct.COLOUR_16BIT
#: the transposition that undoes Pillow's turning a TIFF of each orientation upright (back to as stored)
_TIFF_TO_STORED = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@dataclass
class ImageMeta:
    """What is needed to write a restored image as the same kind of file as its input."""

    icc_profile: bytes | None = None
    exif: bytes | None = None
    dpi: tuple[float, float] | None = None
    png_text: dict[str, str] = field(default_factory=dict)
    png_chunks: list[bytes] = field(default_factory=list)  # a PNG's metadata chunks, verbatim
    direct: bool = False  # pixels went through OpenCV (``backend.batch.direct``)
    jpeg_subsampling: int | None = None
    progressive: bool = False
    tiff_compression: str | None = None
    tiff_tags: dict[int, Any] = field(default_factory=dict)
    tiff_predictor: int = 1  # 1 = none
    transparency: Any = None  # a colour key (L, RGB) or the palette's transparency
    palette: Image.Image | None = None  # a 1x1 P image carrying the input's palette
    indices: np.ndarray | None = None  # the palette indices of a P input (as stored)
    value_range: colour.ValueRange | None = None  # how 32-bit grey (I, F) was mapped onto 16 bits
    black: np.ndarray | None = None  # the K plane of a CMYK input (as stored), kept where the colour allows


@dataclass
class Decoded:
    pixels: np.ndarray  # HxWxC (C = 1 or 3) uint8 or uint16, upright
    alpha: np.ndarray | None  # HxW as stored: never turned, never restored
    mode: str  # the input's Pillow mode; "RGB;16" / "RGBA;16" for 16-bit colour
    format: str  # the input's Pillow format
    size: tuple[int, int]  # (width, height) as stored
    orientation: int
    meta: ImageMeta
    pages: list[Decoded] = field(default_factory=list)  # a multi-page TIFF's pages after this, the first one

    @property
    def page_count(self) -> int:
        return 1 + len(self.pages)

    @property
    def pixel_count(self) -> int:
        """Pixels of every page together."""
        return sum(page.size[0] * page.size[1] for page in (self, *self.pages))


def _raw_mode(image: Image.Image) -> str:
    tile = getattr(image, "tile", None)  # ImageFile only: how the pixels are stored, before load()
    if not tile:
        return image.mode
    args = tile[0].args
    return str(args if isinstance(args, str) else args[0] if args else image.mode)


def _mode_of(image: Image.Image) -> str:
    if image.mode in ("RGB", "RGBA") and ";16" in _raw_mode(image):
        return f"{image.mode};16"
    return image.mode


def _meta(image: Image.Image) -> ImageMeta:
    """What the header says. Careful: a PNG's ``text`` and ``getexif()`` decode the whole image first."""
    info = image.info
    meta = ImageMeta(
        icc_profile=info.get("icc_profile") or None,
        exif=info.get("exif") or None,
        dpi=info.get("dpi"),
        transparency=info.get("transparency"),
    )
    if image.format == "JPEG":
        sampling = JpegImagePlugin.get_sampling(image)
        meta.jpeg_subsampling = sampling if sampling >= 0 else None
        meta.progressive = bool(info.get("progressive") or info.get("progression"))
    elif image.format == "TIFF":
        meta.tiff_compression = info.get("compression")
        tags = getattr(image, "tag_v2", {})
        meta.tiff_tags = {tag: tags[tag] for tag in TIFF_KEPT_TAGS if tag in tags}
        meta.tiff_predictor = int(tags.get(PREDICTOR_TAG, 1) or 1)
    return meta


def _direct_pixels(image: Image.Image, source: Source, mode: str, meta: ImageMeta) -> tuple[np.ndarray, Any] | None:
    read = direct.read_pixels(source, bits=16 if "16" in mode else 8)
    if read is None:
        return None
    if image.format == "PNG" and isinstance(source, bytes):
        meta.png_chunks = direct.png_meta_chunks(io.BytesIO(source))
    elif image.format == "PNG" and isinstance(source, Path):
        with source.open("rb") as stream:
            meta.png_chunks = direct.png_meta_chunks(stream)
    meta.direct = True
    return read


def _pixels(image: Image.Image, mode: str, meta: ImageMeta) -> tuple[np.ndarray, np.ndarray | None]:
    """Colour (or grey) pixels HxWxC as stored, and the alpha plane if any."""
    if mode == "1":
        return np.asarray(image.convert("L"))[:, :, None], None
    if mode == "L":
        return np.asarray(image)[:, :, None], None
    if mode in ("LA", "La"):
        la = np.asarray(image.convert("LA"))
        return la[:, :, :1].copy(), la[:, :, 1].copy()
    if mode in GREY_MODES:
        return np.asarray(image).astype(np.uint16)[:, :, None], None
    if mode == "P":
        meta.indices = np.asarray(image).copy()
        meta.palette = Image.new("P", (1, 1))
        meta.palette.putpalette(image.getpalette() or [])
        return np.asarray(image.convert("RGB")), None
    if mode == "RGB":
        return np.asarray(image), None
    if mode in ("RGBA", "RGBa", "PA"):
        rgba = np.asarray(image.convert("RGBA"))
        return np.ascontiguousarray(rgba[:, :, :3]), rgba[:, :, 3].copy()
    if mode == "CMYK":
        cmyk = np.asarray(image)
        meta.black = cmyk[:, :, 3].copy()
        return colour.cmyk_to_rgb(cmyk), None
    if mode in colour.COLOUR_MODES:
        return colour.to_rgb(image), None
    if mode in colour.WIDE_GREY_MODES:
        values, meta.value_range = colour.to_uint16(np.asarray(image))
        return values[:, :, None], None
    raise UnreadableImage(
        f"unsupported mode {mode} (grey, RGB, RGBA, palette, CMYK, YCbCr, L*a*b*, 16-bit and 32-bit grey "
        "images are supported)"
    )


def decode(source: Source) -> Decoded:
    """Decode an image for restoration; raises UnreadableImage with the reason the summary shows."""
    with open_header(source) as image:
        try:
            return _decode(image, source)
        except UnreadableImage:
            raise
        except (OSError, ValueError, SyntaxError, EOFError) as error:
            text = str(error)
            if any(word in text.lower() for word in ("truncated", "broken data stream", "unexpected end")):
                raise UnreadableImage(f"truncated: {text}") from None
            raise UnreadableImage(f"unreadable: {type(error).__name__}: {text}") from None


def _decode(image: Image.Image, source: Source) -> Decoded:
    name = image.format or "unknown"
    if name not in ("PNG", "JPEG", "TIFF", "WEBP", "BMP"):
        raise UnreadableImage(f"unsupported format: {name}")
    frames = getattr(image, "n_frames", 1)
    if frames > 1 and name != "TIFF":
        raise UnreadableImage(f"unsupported: a {name} with {frames} frames (an animation; one image per file)")
    if frames > 1:
        return _decode_pages(image, frames)
    mode = _mode_of(image)
    meta = _meta(image)
    if direct.is_direct(name, mode, image.info):
        read = _direct_pixels(image, source, mode, meta)
        if read is not None:
            orientation = _orientation_without_loading(image, meta)
            return Decoded(to_upright(read[0], orientation), read[1], mode, name, image.size, orientation, meta)
        if mode in COLOUR_16BIT:
            image.load()  # says why OpenCV could not read it (truncated, ...)
            raise UnreadableImage("unreadable: OpenCV could not decode this 16-bit colour image")
    if name == "TIFF":
        return _decode_tiff_page(image, mode, meta)
    image.load()
    if name == "PNG":
        meta.png_text = {k: v for k, v in getattr(image, "text", {}).items() if isinstance(v, str)}
    orientation = valid_orientation(image.getexif().get(ORIENTATION_TAG, 1))
    pixels, alpha = _pixels(image, mode, meta)
    return Decoded(to_upright(pixels, orientation), alpha, mode, name, image.size, orientation, meta)


def _decode_tiff_page(image: Image.Image, mode: str, meta: ImageMeta) -> Decoded:
    """The current page of a TIFF, as stored and turned upright like any image. Newer Pillows turn a TIFF
    upright as they load it and drop its orientation tag (``omni_core.formats.upright``); that is undone here,
    so the palette indices, alpha and K plane stay as stored too."""
    orientation = valid_orientation(getattr(image, "tag_v2", {}).get(ORIENTATION_TAG, 1))
    image._size = stored_size(image)  # decode into the stored size (Pillow's memory-mapped reader garbles 5-8)
    image.load()
    loaded = image
    if orientation != 1 and ORIENTATION_TAG not in getattr(image, "tag_v2", {}):  # Pillow turned it
        loaded = image.transpose(_TIFF_TO_STORED[orientation])
    pixels, alpha = _pixels(loaded, mode, meta)
    return Decoded(to_upright(pixels, orientation), alpha, mode, "TIFF", loaded.size, orientation, meta)


def _decode_pages(image: Image.Image, frames: int) -> Decoded:
    """Every page of a multi-page TIFF, each with its own size, mode, orientation and metadata."""
    pages = []
    for index in range(frames):
        image.seek(index)
        mode = _mode_of(image)
        if mode in COLOUR_16BIT:
            raise UnreadableImage(
                f"unsupported: page {index + 1} of {frames} is 16-bit colour, which a multi-page TIFF's pages "
                "cannot be restored in (save it as single-page TIFFs)"
            )
        pages.append(_decode_tiff_page(image, mode, _meta(image)))
    first = pages[0]
    first.pages = pages[1:]
    return first


def _orientation_without_loading(image: Image.Image, meta: ImageMeta) -> int:
    """EXIF orientation of a file whose pixels OpenCV read: a PNG's eXIf chunk, or the header's EXIF."""
    chunk = next((c for c in meta.png_chunks if c[4:8] == b"eXIf"), None)
    if chunk is not None:
        exif = Image.Exif()
        exif.load(chunk[8:-4])
        meta.exif = meta.exif or chunk[8:-4]
        return valid_orientation(exif.get(ORIENTATION_TAG, 1))
    if image.format == "PNG":
        return 1  # no eXIf chunk at all; getexif() would decode the image to find that out
    return valid_orientation(image.getexif().get(ORIENTATION_TAG, 1))


# -- writing ---------------------------------------------------------------------------------------------


def _exif_bytes(decoded: Decoded) -> bytes | None:
    if decoded.meta.exif:
        return decoded.meta.exif
    if decoded.orientation != 1:  # e.g. a TIFF's orientation tag, written to a PNG/JPEG/WebP
        exif = Image.Exif()
        exif[ORIENTATION_TAG] = decoded.orientation
        return exif.tobytes()
    return None


def _to_8bit(values: np.ndarray) -> np.ndarray:
    return ((values.astype(np.uint32) + 128) // 257).astype(np.uint8) if values.dtype == np.uint16 else values


def _as_pillow(decoded: Decoded, pixels: np.ndarray, target: str, notes: list[str]) -> Image.Image:
    """Stored-orientation pixels (and the untouched alpha) as a Pillow image that ``target`` can hold."""
    mode, alpha = decoded.mode, decoded.alpha
    grey = pixels.shape[2] == 1
    if mode == "PA":
        notes.append("palette with alpha written as RGBA: restored colours are not all in the palette")
    if mode in colour.COLOUR_MODES:
        if target in colour.KEEPS_MODE[mode]:
            return colour.from_rgb(pixels, mode, decoded.meta.black)
        notes.append(f"{mode} written as RGB: {target} cannot hold {mode}")
        mode = "RGB"
    if mode in colour.WIDE_GREY_MODES:
        mapping = decoded.meta.value_range
        assert mapping is not None
        if target in colour.KEEPS_MODE[mode]:
            return Image.fromarray(colour.from_uint16(pixels[:, :, 0], mapping, mode), mode)
        mode = "I;16" if target == "PNG" else "L"
        scaled = f", values {mapping.low:g}..{mapping.high:g} mapped onto 0..65535" if mapping.scaled else ""
        notes.append(f"32-bit grey written as {mode}{scaled}: {target} cannot hold 32-bit grey")
        if mode == "L":
            pixels = _to_8bit(pixels)
    if target in ("JPEG", "WEBP") and pixels.dtype == np.uint16:
        notes.append(f"16-bit reduced to 8-bit: {target} holds 8 bits per channel")
        pixels, alpha = _to_8bit(pixels), None if alpha is None else _to_8bit(alpha)
        mode = "L" if grey else ("RGBA" if alpha is not None else "RGB")
    if target == "JPEG" and alpha is not None:
        notes.append("alpha dropped: JPEG has no alpha channel")
        alpha = None
    if target != decoded.format and mode in ("P", "1") and target in ("JPEG", "WEBP"):
        notes.append(f"{'palette' if mode == 'P' else '1-bit'} image written as {'L' if grey else 'RGB'}")
        mode = "L" if grey else "RGB"
    if target == "WEBP" and grey:
        notes.append("grey written as RGB: WebP has no grey mode")
        pixels, mode = np.repeat(pixels, 3, axis=2), "RGB"
        grey = False
    if mode == "P":
        return _quantised(decoded, pixels)
    if mode == "1":
        return Image.fromarray(pixels[:, :, 0]).point(lambda v: 255 if v >= 128 else 0).convert("1")
    if mode in GREY_MODES:
        return Image.fromarray(pixels[:, :, 0].astype(np.uint16))
    base = pixels[:, :, 0] if grey else pixels
    if alpha is not None:
        stacked = np.dstack([base, alpha])
        return Image.fromarray(stacked, "LA" if grey else "RGBA")
    return Image.fromarray(base, "L" if grey else "RGB")


def _quantised(decoded: Decoded, pixels: np.ndarray) -> Image.Image:
    """Restored colours mapped back onto the input's palette; transparent pixels keep their index."""
    meta = decoded.meta
    assert meta.palette is not None and meta.indices is not None
    image = Image.fromarray(pixels).quantize(palette=meta.palette, dither=Image.Dither.NONE)
    indices = np.asarray(image).copy()
    transparent = _transparent_indices(meta.transparency)
    if transparent:
        keep = np.isin(meta.indices, transparent) | np.isin(indices, transparent)
        indices[keep] = meta.indices[keep]
    result = Image.fromarray(indices, "P")
    result.putpalette(meta.palette.getpalette() or [])
    return result


def _transparent_indices(transparency: Any) -> list[int]:
    if isinstance(transparency, int):
        return [transparency]
    if isinstance(transparency, bytes):
        return [index for index, value in enumerate(transparency) if value < 255]
    return []


def _profile_fits(decoded: Decoded, image: Image.Image) -> bool:
    """A CMYK or L*a*b* profile describes only pixels of that mode; others fit grey and RGB outputs alike."""
    return decoded.mode not in ("CMYK", "LAB") or image.mode == decoded.mode


def _save_options(decoded: Decoded, image: Image.Image, target: str, quality: int, notes: list[str]) -> dict[str, Any]:
    meta = decoded.meta
    same = target == decoded.format
    options: dict[str, Any] = {}
    if meta.icc_profile and target != "BMP":
        if _profile_fits(decoded, image):
            options["icc_profile"] = meta.icc_profile
        else:
            notes.append(f"ICC profile not kept: it describes {decoded.mode}, the output is {image.mode}")
    if meta.dpi and target in ("PNG", "JPEG", "TIFF", "BMP"):
        options["dpi"] = meta.dpi
    exif = _exif_bytes(decoded)
    if exif and target in ("PNG", "JPEG", "WEBP"):
        options["exif"] = exif
    if target == "PNG":
        options["compress_level"] = PNG_COMPRESS_LEVEL
        if meta.png_text:
            text = PngImagePlugin.PngInfo()
            for key, value in meta.png_text.items():
                text.add_text(key, value)
            options["pnginfo"] = text
        if meta.transparency is not None and image.mode == decoded.mode and image.mode in ("P", "L", "RGB"):
            options["transparency"] = meta.transparency
    elif target == "JPEG":
        options["quality"] = quality
        if same and meta.jpeg_subsampling is not None:
            options["subsampling"] = meta.jpeg_subsampling
        options["progressive"] = same and meta.progressive
    elif target == "WEBP":
        options["quality"] = quality
    elif target == "TIFF":
        compression = meta.tiff_compression or "tiff_lzw"
        if compression in ("jpeg", "group3", "group4", "tiff_ccitt") and image.mode not in ("1", "L", "RGB"):
            compression = "tiff_lzw"
        options["compression"] = compression
        tags = dict(meta.tiff_tags)
        if decoded.orientation != 1:
            tags[ORIENTATION_TAG] = decoded.orientation
        if _differenced(compression, image.mode, meta.tiff_predictor):
            tags[PREDICTOR_TAG] = HORIZONTAL_DIFFERENCING
        if tags:
            options["tiffinfo"] = tags
    return options


def _differenced(compression: str, mode: str, predictor_in: int) -> bool:
    """Whether a TIFF output is written with horizontal differencing: always with LZW, whose restored scan it
    halves at no cost (24 MP: 75.1 -> 39.2 MB, 1.79 -> 1.74 s; without it LZW writes more than the raw pixels);
    with deflate only when the input had it (there it costs 2.3x the time: 2.92 -> 6.86 s, 58.6 -> 37.1 MB)."""
    if mode in UNPREDICTED_MODES:
        return False
    if compression == "tiff_lzw":
        return True
    return compression == "tiff_adobe_deflate" and predictor_in == HORIZONTAL_DIFFERENCING


def encode(
    decoded: Decoded,
    restored: np.ndarray,
    target: str,
    quality: int,
    out: BinaryIO,
    pages: Sequence[np.ndarray] = (),
) -> list[str]:
    """Write the restored (upright) pixels as ``target`` ("PNG", "JPEG", ...) with the input's metadata into
    ``out``; returns notes on anything the target format could not keep (alpha in JPEG, ...). A multi-page
    input's further pages come restored in ``pages``, in order; only a TIFF holds them.

    ``restored`` is the caller's to give away: it may be changed in place, and is let go of as soon as the
    encoder has its own copy, so a big image is not held twice while it is written.
    """
    if decoded.pages or pages:
        return _encode_pages(decoded, [restored, *pages], target, quality, out)
    notes: list[str] = []
    pixels = from_upright(restored, decoded.orientation)
    del restored
    if decoded.meta.direct and (target == decoded.format or decoded.mode in COLOUR_16BIT) and target in ("PNG", "TIFF"):
        if decoded.mode in COLOUR_16BIT and target == "TIFF":
            notes.append("16-bit colour TIFF written without its ICC profile and EXIF (OpenCV writes the pixels)")
        direct.write_pixels(pixels, decoded.alpha, target, decoded.meta.png_chunks, out)
        return notes
    image = _as_pillow(decoded, pixels, target, notes)
    del pixels
    options = _save_options(decoded, image, target, quality, notes)
    if target == "PNG" and image.mode in FAST_PNG_MODES and "transparency" not in options:
        write_png(_image_pixels(image), out, _png_chunks(image.mode, options))
        return notes
    image.save(out, target, **options)
    return notes


def _encode_pages(first: Decoded, restored: list[np.ndarray], target: str, quality: int, out: BinaryIO) -> list[str]:
    """A multi-page TIFF: each page written as its own input page was (mode, compression, tags, profile,
    resolution: keys every page sets, so none inherits the first page's), in the input's order."""
    decoded = [first, *first.pages]
    if target != "TIFF" or len(restored) != len(decoded):
        raise ValueError(f"a TIFF of {len(decoded)} pages is written as a TIFF of as many pages, not as {target}")
    notes: list[str] = []
    images = []
    for page, pixels in zip(decoded, restored, strict=True):
        page_notes: list[str] = []
        image = _as_pillow(page, from_upright(pixels, page.orientation), target, page_notes)
        options: dict[str, Any] = {"icc_profile": None, "dpi": None, "tiffinfo": {}}
        options.update(_save_options(page, image, target, quality, page_notes))
        image.encoderinfo = options
        images.append(image)
        notes += [note for note in page_notes if note not in notes]
    restored.clear()
    head = images[0]
    # Pillow's multi-page writer reads back what it wrote, which an output opened for writing only cannot do
    buffer = io.BytesIO()
    head.save(buffer, target, save_all=True, append_images=images[1:], **head.encoderinfo)
    out.write(buffer.getbuffer())
    return notes


def _image_pixels(image: Image.Image) -> np.ndarray:
    values = np.asarray(image)
    return values[:, :, None] if values.ndim == 2 else values


def _png_chunks(mode: str, options: dict[str, Any]) -> list[bytes]:
    """The metadata chunks Pillow writes for ``options`` (ICC profile, resolution, EXIF, text), taken from a
    one-pixel PNG it saves with them, so ``png_writer`` writes what Pillow would."""
    buffer = io.BytesIO()
    Image.new(mode, (1, 1)).save(buffer, "PNG", **options)
    buffer.seek(0)
    return direct.png_meta_chunks(buffer)


def encode_bytes(decoded: Decoded, restored: np.ndarray, target: str, quality: int = 95) -> tuple[bytes, list[str]]:
    buffer = io.BytesIO()
    notes = encode(decoded, restored, target, quality, buffer)
    return buffer.getvalue(), notes

"""Which files a batch reads, and what each output is called. Pure names: no image library here, so the
client of a remote run (which imports this) stays light."""

from __future__ import annotations

from pathlib import PurePosixPath

#: file extension -> Pillow format name, for the formats a batch reads and writes
READ_FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".webp": "WEBP",
    ".bmp": "BMP",
}
#: ``--format`` values -> (Pillow format, extension of the output)
WRITE_FORMATS = {"png": ("PNG", ".png"), "jpg": ("JPEG", ".jpg"), "webp": ("WEBP", ".webp")}
FORMAT_CHOICES = ("same", *WRITE_FORMATS)
#: images people keep next to scans that a batch refuses by name, with the reason
KNOWN_UNSUPPORTED = {
    ".gif": "GIF",
    ".heic": "HEIC",
    ".heif": "HEIF",
    ".avif": "AVIF",
    ".jp2": "JPEG 2000",
    ".svg": "SVG",
    ".pdf": "PDF",
    ".psd": "Photoshop",
    ".raw": "camera raw",
    ".dng": "camera raw (DNG)",
    ".cr2": "camera raw (CR2)",
    ".nef": "camera raw (NEF)",
}
SUMMARY_JSON = "restore-summary.json"
SUMMARY_TEXT = "restore-summary.txt"


def normalise_format(value: str) -> str:
    """``""``/``same`` -> ``same``; ``jpeg`` -> ``jpg``; anything else lower-cased (checked by the caller)."""
    lowered = (value or "same").strip().lower().lstrip(".")
    return "jpg" if lowered == "jpeg" else lowered


def is_readable_name(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in READ_FORMATS


def unsupported_reason(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in KNOWN_UNSUPPORTED:
        return f"unsupported format: {KNOWN_UNSUPPORTED[suffix]} ({suffix})"
    return f"not an image: unsupported extension {suffix or '(none)'}"


def output_name(relative: str, fmt: str) -> str:
    """The output's path relative to OUT for an input at ``relative`` (POSIX) under IN."""
    if fmt == "same":
        return relative
    path = PurePosixPath(relative)
    return str(path.with_suffix(WRITE_FORMATS[fmt][1]))


def output_format(output: str) -> str:
    """The Pillow format an output is written in, from its extension."""
    return READ_FORMATS[PurePosixPath(output).suffix.lower()]

from __future__ import annotations

import pytest

from omni_core.formats.images import UnusableImage, export_name, probe_bytes
from tests.omni_core.formats.samples import image_bytes


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [
        ("RGB", "JPEG"),
        ("L", "PNG"),
        ("I;16", "PNG"),
        ("I", "TIFF"),
        ("RGBA", "PNG"),
        ("CMYK", "JPEG"),
        ("P", "PNG"),
        ("RGB", "WEBP"),
        ("RGB", "BMP"),
    ],
)
def test_every_common_mode_and_format_is_usable(mode: str, fmt: str) -> None:
    probe = probe_bytes(image_bytes((40, 30), mode=mode, fmt=fmt))
    assert (probe.width, probe.height, probe.mode, probe.orientation) == (40, 30, mode, 1)


@pytest.mark.parametrize(("orientation", "upright"), [(1, (40, 30)), (3, (40, 30)), (6, (30, 40)), (8, (30, 40))])
def test_exif_orientation_gives_the_upright_size(orientation: int, upright: tuple[int, int]) -> None:
    probe = probe_bytes(image_bytes((40, 30), fmt="JPEG", orientation=orientation))
    assert (probe.width, probe.height) == upright and probe.orientation == orientation


def test_unusable_bytes_are_refused_with_the_reason() -> None:
    jpeg, png = image_bytes((80, 60), fmt="JPEG"), image_bytes((80, 60), fmt="PNG")
    cases = {
        b"": "empty file",
        b"plain text, no picture": "not an image",
        jpeg[: len(jpeg) // 2]: "truncated",
        png[: len(png) - 30]: "truncated",
        image_bytes(fmt="GIF"): "unsupported image format GIF",
    }
    for data, reason in cases.items():
        with pytest.raises(UnusableImage, match=reason):
            probe_bytes(data)


def test_a_jpeg_with_bytes_after_its_end_marker_is_still_usable() -> None:
    assert probe_bytes(image_bytes(fmt="JPEG") + b"\x00\x00trailer").format == "jpeg"


def test_export_names_keep_a_fitting_suffix() -> None:
    assert export_name("a/b.JPEG", "jpg") == "a/b.JPEG"
    assert export_name("scan", "png") == "scan.png"
    assert export_name("photo.png", "jpg") == "photo.png.jpg"

"""GetImage: original bytes when they show upright as they are, else upright renditions of any pixel mode."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from backend.rpc.server import Backend
from desktop.client import BackendError, Connection
from tests.omni_core.formats.samples import image_bytes


@pytest.mark.parametrize(
    ("name", "options", "upright"),
    [
        ("gray.png", {"mode": "L"}, (120, 80)),
        ("deep.png", {"mode": "I;16"}, (120, 80)),
        ("deep.tif", {"mode": "I", "fmt": "TIFF"}, (120, 80)),
        ("alpha.png", {"mode": "RGBA"}, (120, 80)),
        ("print.jpg", {"mode": "CMYK", "fmt": "JPEG"}, (120, 80)),
        ("phone.jpg", {"fmt": "JPEG", "orientation": 6}, (80, 120)),
        ("mirror.jpg", {"fmt": "JPEG", "orientation": 5}, (80, 120)),
        ("plain.webp", {"fmt": "WEBP"}, (120, 80)),
    ],
)
def test_every_mode_gives_upright_displayable_images(
    backend: Backend, client: Connection, tmp_path: Path, name: str, options: dict, upright: tuple[int, int]
) -> None:
    client.create_dataset("ds")
    (tmp_path / name).write_bytes(image_bytes((120, 80), **options))
    (result,) = client.upload_images("ds", [(tmp_path / name, name)])
    assert not result.error
    info = client.list_images("ds").images[0]
    assert (info.width, info.height) == upright
    full = client.get_image("ds", result.image_id)
    thumb = client.get_image("ds", result.image_id, max_side=30)
    for reply, size in ((full, upright), (thumb, (30, 20) if upright[0] > upright[1] else (20, 30))):
        assert (reply.width, reply.height) == size and (reply.original_width, reply.original_height) == upright
        with Image.open(io.BytesIO(reply.data)) as image:
            assert image.size == size
            assert (image.format or "").lower() == reply.format
            assert image.mode in ("RGB", "L", "RGBA", "I;16")
            assert image.getexif().get(0x0112, 1) == 1 or reply.data == (tmp_path / name).read_bytes()
    assert client.get_image("ds", result.image_id, max_side=30).data == thumb.data  # from the cache
    assert list((backend.workspace.state_dir / "thumbs").rglob(f"{result.image_id}-30.*"))


def test_full_size_sends_the_original_bytes_when_they_show_upright(client: Connection, tmp_path: Path) -> None:
    client.create_dataset("ds")
    data = image_bytes((64, 48), fmt="JPEG")
    (tmp_path / "a.jpg").write_bytes(data)
    (result,) = client.upload_images("ds", [(tmp_path / "a.jpg", "a.jpg")])
    for side in (0, 64, 1000):
        reply = client.get_image("ds", result.image_id, max_side=side)
        assert (reply.data, reply.format, reply.width, reply.height) == (data, "jpeg", 64, 48)
    with pytest.raises(BackendError) as caught:
        client.get_image("ds", result.image_id, max_side=-1)
    assert caught.value.code == "INVALID_ARGUMENT"
    with pytest.raises(BackendError) as caught:
        client.get_image("ds", "f" * 64)
    assert caught.value.code == "NOT_FOUND"

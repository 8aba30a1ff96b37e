"""Outputs are the same kind of file as their inputs: size, mode (grey, palette, 1-bit, 16-bit), alpha
(byte for byte), EXIF orientation, ICC profile, resolution. Runs the real pipeline and ONNX Runtime
session in this process; the job and stream tests cover the same code behind the RPCs."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageCms

from backend.batch.codec import decode
from backend.batch.direct import png_meta_chunks
from backend.batch.pipeline import Pipeline, Task, file_sink
from backend.inference.restorer import Restorer
from omni_core.batch.formats import output_name
from omni_core.batch.outcome import Outcome
from tests.backend.batch.conftest import smooth_rgb

ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def _png_with_iccp(data: bytes) -> bytes:
    """``data`` (a PNG from OpenCV) with an iCCP chunk, as a colour-managed scanner writes it."""
    body = b"sRGB\x00\x00" + zlib.compress(ICC)
    chunk = struct.pack(">I", len(body)) + b"iCCP" + body + struct.pack(">I", zlib.crc32(b"iCCP" + body))
    return data[:33] + chunk + data[33:]


def _inputs(folder: Path) -> None:
    rgb, grey = smooth_rgb(48, 64), smooth_rgb(48, 64, channels=1)
    alpha = np.tile(np.arange(64, dtype=np.uint8) * 4, (48, 1))
    Image.fromarray(grey).save(folder / "grey.png")
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(folder / "rgba.png", icc_profile=ICC)
    Image.fromarray(np.dstack([grey, alpha]), "LA").save(folder / "grey-alpha.png")
    Image.fromarray(grey.astype(np.uint16) * 257 + 3).save(folder / "grey16.png")
    colour16 = (rgb.astype(np.uint16) * 257)[:, :, ::-1]
    encoded = cv2.imencode(".png", np.ascontiguousarray(colour16))[1].tobytes()
    (folder / "colour16.png").write_bytes(_png_with_iccp(encoded))
    Image.fromarray(rgb).save(folder / "rotated.jpg", exif=_exif(6), icc_profile=ICC, quality=92, dpi=(300, 300))
    palette = Image.fromarray(rgb).quantize(32)
    palette.info["transparency"] = 0
    palette.save(folder / "palette.png", transparency=0)
    Image.fromarray(grey).convert("1").save(folder / "bilevel.png")
    Image.fromarray(rgb).save(folder / "scan.tif", compression="tiff_lzw", dpi=(600, 600))
    Image.fromarray(rgb).save(folder / "photo.webp", quality=90, exif=_exif(3))
    Image.fromarray(rgb).save(folder / "plain.bmp")


def _run(tiny_onnx: Path, source: Path, out: Path, fmt: str = "same") -> dict[str, Outcome]:
    from backend.inference.engine import open_engine

    engine = open_engine(tiny_onnx)
    outcomes: dict[str, Outcome] = {}
    tasks = [Task(p.name, p, output_name(p.name, fmt)) for p in sorted(source.iterdir())]
    restorer = Restorer(engine.run, tile=32, overlap=8, batch_size=4)
    Pipeline(restorer, sink=file_sink(out), report=lambda o: outcomes.update({o.key: o})).run(tasks)
    return outcomes


@pytest.fixture(scope="module")
def restored(tiny_onnx: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Outcome]]:
    source, out = tmp_path_factory.mktemp("in"), tmp_path_factory.mktemp("out")
    _inputs(source)
    return source, out, _run(tiny_onnx, source, out)


def test_every_output_keeps_size_mode_and_metadata(restored: tuple[Path, Path, dict[str, Outcome]]) -> None:
    source, out, outcomes = restored
    assert all(outcome.restored for outcome in outcomes.values()), outcomes
    for path in sorted(source.iterdir()):
        with Image.open(path) as before, Image.open(out / path.name) as after:
            assert (after.format, after.mode, after.size) == (before.format, before.mode, before.size), path.name
            assert after.info.get("icc_profile") == before.info.get("icc_profile"), path.name
            assert after.getexif().get(0x0112) == before.getexif().get(0x0112), path.name
            assert after.info.get("dpi") == before.info.get("dpi"), path.name
            if before.mode != "1":  # two levels may well survive a restoration unchanged
                assert not np.array_equal(np.asarray(after), np.asarray(before)), f"{path.name} unchanged"
    with Image.open(out / "scan.tif") as tiff:
        assert tiff.info["compression"] == "tiff_lzw"
        assert tiff.tag_v2.get(317) == 2  # horizontal differencing: LZW alone can write more than the raw pixels
    assert outcomes["rotated.jpg"].tile == 32  # the network ran in tiles (images are larger than 32 px)


def test_alpha_is_carried_over_byte_for_byte(restored: tuple[Path, Path, dict[str, Outcome]]) -> None:
    source, out, _ = restored
    for name, band in (("rgba.png", 3), ("grey-alpha.png", 1)):
        with Image.open(source / name) as before, Image.open(out / name) as after:
            np.testing.assert_array_equal(np.asarray(after)[:, :, band], np.asarray(before)[:, :, band])
    with Image.open(source / "palette.png") as before, Image.open(out / "palette.png") as after:
        assert after.info["transparency"] == 0
        was_transparent = np.asarray(before) == 0
        np.testing.assert_array_equal(np.asarray(after) == 0, was_transparent)


def test_sixteen_bit_stays_sixteen_bit(restored: tuple[Path, Path, dict[str, Outcome]]) -> None:
    _source, out, _ = restored
    grey = np.asarray(Image.open(out / "grey16.png"))
    assert grey.dtype == np.uint16 and np.any(grey % 257 != 0)  # restored in 16 bits, not 8 bits scaled up
    colour = cv2.imread(str(out / "colour16.png"), cv2.IMREAD_UNCHANGED)
    assert colour.dtype == np.uint16 and colour.shape == (48, 64, 3)
    with (out / "colour16.png").open("rb") as stream:
        iccp = [chunk for chunk in png_meta_chunks(stream) if chunk[4:8] == b"iCCP"]
    assert len(iccp) == 1 and zlib.decompress(iccp[0][8 + 6 : -4]) == ICC


def test_the_network_sees_the_upright_image(restored: tuple[Path, Path, dict[str, Outcome]]) -> None:
    """EXIF orientation 6: stored 64x48, shown 48x64. The output is stored like the input (same tag)."""
    source, out, _ = restored
    decoded = decode(source / "rotated.jpg")
    assert decoded.size == (64, 48) and decoded.pixels.shape == (64, 48, 3) and decoded.orientation == 6
    with Image.open(out / "rotated.jpg") as after:
        assert after.size == (64, 48) and after.getexif()[0x0112] == 6


def test_other_formats_and_what_they_cannot_hold(tiny_onnx: Path, tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    alpha = np.full((40, 40), 128, np.uint8)
    Image.fromarray(np.dstack([smooth_rgb(40, 40), alpha]), "RGBA").save(source / "a.png")
    Image.fromarray(smooth_rgb(40, 40, channels=1).astype(np.uint16) * 257).save(source / "b.png")
    outcomes = _run(tiny_onnx, source, out, fmt="jpg")
    assert outcomes["a.png"].notes == ["alpha dropped: JPEG has no alpha channel"]
    assert outcomes["b.png"].notes == ["16-bit reduced to 8-bit: JPEG holds 8 bits per channel"]
    assert Image.open(out / "a.jpg").mode == "RGB" and Image.open(out / "b.jpg").mode == "L"
    webp = _run(tiny_onnx, source, tmp_path / "webp", fmt="webp")
    assert Image.open(io.BytesIO((tmp_path / "webp" / "a.webp").read_bytes())).mode == "RGBA"
    assert webp["a.png"].restored


def test_unreadable_inputs_fail_alone_with_a_reason(
    tiny_onnx: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in"
    source.mkdir()
    for name in ("gone.png", "locked.png", "ok.png"):
        Image.fromarray(smooth_rgb(40, 40)).save(source / name)
    real_open = Image.open

    def guarded_open(path: object, *args: object, **kwargs: object) -> Image.Image:
        if str(path).endswith("locked.png"):  # what root cannot see: a file it may not read
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Image, "open", guarded_open)
    tasks = [Task(p.name, p, p.name) for p in sorted(source.iterdir())]
    (source / "gone.png").unlink()  # vanishes after the walk, before it is read
    from backend.inference.engine import open_engine

    outcomes: dict[str, Outcome] = {}
    pipeline = Pipeline(Restorer(open_engine(tiny_onnx).run), sink=file_sink(tmp_path / "out"),
                        report=lambda o: outcomes.update({o.key: o}))  # fmt: skip
    pipeline.run(tasks)
    reasons = {key: outcome.reason for key, outcome in outcomes.items()}
    assert reasons == {
        "gone.png": "vanished: the file was removed during the run",
        "locked.png": "unreadable: permission denied",
        "ok.png": "",
    }
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ok.png"]


def test_opencv_and_pillow_read_the_same_png_pixels(tmp_path: Path) -> None:
    """Plain PNGs are decoded by OpenCV (less memory); PNG is lossless, so the pixels are Pillow's."""
    rgba = np.dstack([smooth_rgb(30, 50), smooth_rgb(30, 50, seed=1, channels=1)])
    for name, image in (("rgb.png", Image.fromarray(rgba[:, :, :3])), ("rgba.png", Image.fromarray(rgba, "RGBA"))):
        image.save(tmp_path / name, pnginfo=None, dpi=(200, 200))
        decoded = decode(tmp_path / name)
        assert decoded.meta.direct and decoded.meta.png_chunks  # pHYs at least
        with Image.open(tmp_path / name) as pillow:
            expected = np.asarray(pillow)
        np.testing.assert_array_equal(decoded.pixels, expected[:, :, :3])
        if decoded.alpha is not None:
            np.testing.assert_array_equal(decoded.alpha, expected[:, :, 3])


@pytest.mark.parametrize(
    ("compression", "predictor_in", "predictor_out"),
    [("tiff_lzw", 1, 2), ("tiff_lzw", 2, 2), ("tiff_adobe_deflate", 1, 1), ("tiff_adobe_deflate", 2, 2)],
)
def test_tiff_outputs_difference_their_samples_where_it_pays(
    tiny_onnx: Path, tmp_path: Path, compression: str, predictor_in: int, predictor_out: int
) -> None:
    """LZW outputs always (half the size of a restored scan at no cost), deflate ones as their input did (there
    it costs time); either way the pixels read back are those the same run writes to a PNG."""
    source, out, as_png = tmp_path / "in", tmp_path / "out", tmp_path / "png"
    source.mkdir()
    grey = smooth_rgb(48, 64, channels=1)
    extra = {"tiffinfo": {317: 2}} if predictor_in == 2 else {}
    Image.fromarray(grey).save(source / "page.tif", compression=compression, **extra)
    Image.fromarray(np.dstack([grey] * 3)).save(source / "colour.tif", compression=compression, **extra)
    for folder, fmt in ((out, "same"), (as_png, "png")):
        outcomes = _run(tiny_onnx, source, folder, fmt)
        assert all(outcome.restored for outcome in outcomes.values()), outcomes
    for name in ("page", "colour"):
        with Image.open(out / f"{name}.tif") as tiff, Image.open(as_png / f"{name}.png") as png:
            assert (tiff.info["compression"], tiff.tag_v2.get(317, 1)) == (compression, predictor_out), name
            np.testing.assert_array_equal(np.asarray(tiff), np.asarray(png))


def test_conversions_to_png_keep_the_metadata(
    tiny_onnx: Path, restored: tuple[Path, Path, dict[str, Outcome]], tmp_path: Path
) -> None:
    """A JPEG and a TIFF written as PNG (``png_writer``, with the chunks Pillow would write): the ICC profile,
    the EXIF orientation and the resolution come along, and the TIFF's pixels are those written as a TIFF."""
    source, out, _ = restored
    picked, converted = tmp_path / "picked", tmp_path / "png"
    picked.mkdir()
    for name in ("rotated.jpg", "scan.tif"):
        (picked / name).write_bytes((source / name).read_bytes())
    outcomes = _run(tiny_onnx, picked, converted, fmt="png")
    assert all(outcome.restored for outcome in outcomes.values()), outcomes
    with Image.open(converted / "rotated.png") as png, Image.open(source / "rotated.jpg") as jpeg:
        assert png.info.get("icc_profile") == jpeg.info["icc_profile"] and png.getexif()[0x0112] == 6
        assert png.info["dpi"] == pytest.approx(jpeg.info["dpi"], abs=0.01)
    with Image.open(converted / "scan.png") as png, Image.open(out / "scan.tif") as tiff:
        assert png.info["dpi"] == pytest.approx((600, 600), abs=0.01) and png.mode == tiff.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(png), np.asarray(tiff))


@pytest.mark.parametrize("compression", ["raw", "tiff_lzw"])
@pytest.mark.parametrize("orientation", [3, 6, 7])
def test_a_turned_tiff_is_read_upright_and_stored_as_it_was(tmp_path: Path, compression: str, orientation: int) -> None:
    """Pillow turns a TIFF upright as it loads it (and its raw decoder garbles orientations 5-8): the decoder
    still sees the stored pixels and the tag, and the output is stored the way the input was, under its tag."""
    from backend.batch.codec import encode_bytes
    from backend.batch.orientation import to_upright

    stored = smooth_rgb(40, 56)  # 56 wide, 40 high as stored
    path = tmp_path / "turned.tif"
    Image.fromarray(stored).save(path, compression=compression, tiffinfo={0x0112: orientation})
    decoded = decode(path)
    assert (decoded.size, decoded.orientation) == ((56, 40), orientation)
    np.testing.assert_array_equal(decoded.pixels, to_upright(stored, orientation))
    data, _ = encode_bytes(decoded, decoded.pixels.copy(), "TIFF")
    again = decode(data)
    assert (again.size, again.orientation) == ((56, 40), orientation)
    np.testing.assert_array_equal(again.pixels, decoded.pixels)
    with Image.open(io.BytesIO(data)) as written:
        assert written.tag_v2[0x0112] == orientation and written.tile[0].extents[2:] == (56, 40)

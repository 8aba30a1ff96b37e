"""A multi-page TIFF (a scanned document) is restored page by page into a TIFF of as many pages, each page
written as its input page was; formats that hold one image a file are refused for it with the reason. Runs the
real pipeline and ONNX Runtime session; the last test the job and the stream behind the RPCs."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from backend.batch.codec import decode
from backend.batch.pipeline import Pipeline, Task, file_sink
from backend.inference.restorer import Restorer
from backend.rpc.server import Backend
from desktop.client import Connection
from omni_core.batch.outcome import Outcome
from omni_core.batch.params import RestoreOptions
from omni_core.batch.probe import pixel_count
from omni_core.batch.remote import RemoteRestore, restore_remote
from protos.omni.v1 import batch_pb2, jobs_pb2
from tests.backend.batch.conftest import register, smooth_rgb
from tests.helpers import wait_for_state

ORIENTATION = 0x0112


def _document(path: Path) -> list[Image.Image]:
    """Three pages as a scanner might mix them: colour at 300 dpi (LZW), a grey page turned by its orientation
    tag (deflate), and a smaller colour page at 72 dpi; each also saved alone beside it."""
    pages = [
        Image.fromarray(smooth_rgb(48, 64, seed=1)),
        Image.fromarray(smooth_rgb(40, 56, seed=2, channels=1)),
        Image.fromarray(smooth_rgb(32, 40, seed=3)),
    ]
    pages[0].encoderinfo = {"compression": "tiff_lzw", "dpi": (300, 300)}
    pages[1].encoderinfo = {"compression": "tiff_adobe_deflate", "dpi": (150, 150), "tiffinfo": {ORIENTATION: 6}}
    pages[2].encoderinfo = {"compression": "tiff_lzw", "dpi": (72, 72)}
    head = pages[0]
    head.save(path, save_all=True, append_images=pages[1:], **head.encoderinfo)
    for number, page in enumerate(pages, 1):
        page.save(path.with_name(f"page{number}.tif"), **page.encoderinfo)
    return pages


def _run(onnx: Path, source: Path, out: Path, tasks: list[Task]) -> dict[str, Outcome]:
    from backend.inference.engine import open_engine

    outcomes: dict[str, Outcome] = {}
    restorer = Restorer(open_engine(onnx).run)
    Pipeline(restorer, sink=file_sink(out), report=lambda o: outcomes.update({o.key: o})).run(tasks)
    return outcomes


def _pages(path: Path) -> list[tuple[str, tuple[int, int], str, object, int, np.ndarray]]:
    """Each page's mode, size as stored, compression, resolution, orientation and upright pixels."""
    with Image.open(path) as image:
        tags = []
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)  # the header only: Pillow turns a TIFF upright (and forgets its tag) as it loads it
            tags.append((image.info.get("compression"), image.tag_v2.get(282)))
    decoded = decode(path)
    pages = [decoded, *decoded.pages]
    return [(p.mode, p.size, *tag, p.orientation, p.pixels) for p, tag in zip(pages, tags, strict=True)]


def test_every_page_is_restored_and_written_as_its_input_page_was(tiny_onnx: Path, tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    inputs = _document(source / "scan.tif")
    singles = [f"page{n}.tif" for n in (1, 2, 3)]
    outcomes = _run(tiny_onnx, source, out, [Task(name, source / name, name) for name in ["scan.tif", *singles]])

    document = outcomes["scan.tif"]
    assert document.restored and document.pages == 3, document.reason
    assert (document.width, document.height) == (64, 48)  # the first page's
    assert document.pixels == 64 * 48 + 56 * 40 + 40 * 32 == pixel_count(source / "scan.tif")
    assert document.megapixels == pytest.approx(document.pixels / 1e6)
    written = _pages(out / "scan.tif")
    stored = [(64, 48), (56, 40), (40, 32)]
    assert [(mode, size) for mode, size, *_ in written] == [(p.mode, s) for p, s in zip(inputs, stored, strict=True)]
    assert [page[2] for page in written] == ["tiff_lzw", "tiff_adobe_deflate", "tiff_lzw"]
    assert [page[4] for page in written] == [1, 6, 1]  # the grey page stays turned the way it was
    assert [page[3] for page in written] == [300, 150, 72]  # each page's own resolution
    for number, page in enumerate(written, 1):
        alone = _pages(out / f"page{number}.tif")[0]
        # the same network on the same page gives the same pixels, in a document or alone (LZW/deflate are lossless)
        np.testing.assert_array_equal(page[5], alone[5])
        assert not np.array_equal(page[5], _pages(source / f"page{number}.tif")[0][5])  # restored, not copied


def test_a_document_asked_for_as_one_image_a_file_fails_alone_and_says_how(tiny_onnx: Path, tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    _document(source / "scan.tif")
    frames = [Image.fromarray(smooth_rgb(32, 32, seed=n)) for n in range(2)]
    frames[0].save(source / "moving.webp", save_all=True, append_images=frames[1:], duration=100)
    tasks = [Task("scan.tif", source / "scan.tif", "scan.png"), Task("page1.tif", source / "page1.tif", "page1.png")]
    tasks.append(Task("moving.webp", source / "moving.webp", "moving.webp"))
    outcomes = _run(tiny_onnx, source, out, tasks)
    assert outcomes["scan.tif"].reason == (
        "a TIFF of 3 pages cannot be written as PNG, which holds one image a file: "
        "keep the format (--format same) to restore every page"
    )
    assert outcomes["moving.webp"].reason == "unsupported: a WEBP with 2 frames (an animation; one image per file)"
    assert outcomes["page1.tif"].restored
    assert sorted(p.name for p in out.iterdir()) == ["page1.png"]


def test_sixteen_bit_colour_pages_are_refused_with_the_page_named(tmp_path: Path) -> None:
    colour16 = (smooth_rgb(24, 24).astype(np.uint16) * 257)[:, :, ::-1]
    path = tmp_path / "deep.tif"
    assert cv2.imwritemulti(str(path), [colour16, colour16])
    from omni_core.batch.probe import UnreadableImage

    with pytest.raises(UnreadableImage) as refused:
        decode(path)
    assert refused.value.reason.startswith("unsupported: page 1 of 2 is 16-bit colour")


def test_the_job_and_the_stream_restore_a_document_alike(
    backend: Backend, client: Connection, tiny_onnx: Path, tmp_path: Path
) -> None:
    register(backend.workspace.root, tiny_onnx)
    source = tmp_path / "in"
    source.mkdir()
    _document(source / "scan.tif")
    for name in ("page1.tif", "page2.tif", "page3.tif"):
        (source / name).unlink()
    spec = batch_pb2.RestoreBatchSpec(input=str(source), out=str(tmp_path / "local"), layer=1)
    job = client.submit(jobs_pb2.JobSpec(restore_batch=spec))
    assert wait_for_state(client, job.id).state == jobs_pb2.JOB_STATE_SUCCEEDED
    items = [e.item for e in client.watch_job(job.id) if e.WhichOneof("payload") == "item"]
    assert [(item.input, item.ok, item.pages) for item in items] == [("scan.tif", True, 3)]
    result = restore_remote(client, RemoteRestore(source, tmp_path / "remote", RestoreOptions(layer=1)))
    assert [(o.key, o.pages, o.pixels) for o in result.restored] == [("scan.tif", 3, 64 * 48 + 56 * 40 + 40 * 32)]
    assert (tmp_path / "remote" / "scan.tif").read_bytes() == (tmp_path / "local" / "scan.tif").read_bytes()
    summary = json.loads((tmp_path / "local" / "restore-summary.json").read_text())
    assert summary["throughput"]["megapixels"] == pytest.approx((64 * 48 + 56 * 40 + 40 * 32) / 1e6, abs=1e-3)

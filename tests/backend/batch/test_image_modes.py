"""Every image mode Pillow hands a batch is restored and written back in the input's mode where its format
can hold it (CMYK JPEG/TIFF, YCbCr, L*a*b*, 16-bit, 32-bit integer and float grey, 1-bit, grey + alpha,
palette + transparency), with its ICC profile; where the output format cannot, the outcome says what was
written. An identity network shows the conversions lose nothing; the real ONNX model runs as a job on a
real backend and streamed through the Batch service."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backend.batch.pipeline import Pipeline, Task, file_sink
from backend.inference.restorer import Restorer
from backend.rpc.server import Backend
from desktop.client import Connection
from omni_core.batch import colour
from omni_core.batch.formats import output_name
from omni_core.batch.outcome import Outcome
from omni_core.batch.params import RestoreOptions
from omni_core.batch.remote import RemoteRestore, restore_remote
from protos.omni.v1 import batch_pb2, jobs_pb2
from tests.backend.batch.conftest import register
from tests.backend.batch.mode_samples import CMYK_PROFILE, SRGB, write_mode_samples
from tests.helpers import wait_for_state

MODES = {
    "bilevel.tif": "1",
    "float32.tif": "F",
    "grey-alpha.png": "LA",
    "grey16.png": "I;16",
    "grey16-scan.tif": "I;16",
    "int32.tif": "I",
    "lab.tif": "LAB",
    "palette.png": "P",
    "print.jpg": "CMYK",
    "print-scan.tif": "CMYK",
    "ycbcr.tif": "YCbCr",
}


def _restore(source: Path, out: Path, infer: object, fmt: str = "same") -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    tasks = [Task(p.name, p, output_name(p.name, fmt)) for p in sorted(source.iterdir())]
    restorer = Restorer(infer, tile=32, overlap=8, batch_size=4)  # type: ignore[arg-type]
    Pipeline(restorer, sink=file_sink(out), report=lambda o: outcomes.update({o.key: o})).run(tasks)
    return outcomes


def _as_rgb(image: Image.Image) -> np.ndarray:
    """What a viewer shows, as float RGB 0..1 (16/32-bit grey from its own range)."""
    if image.mode in colour.COLOUR_MODES:
        return colour.to_rgb(image).astype(np.float64) / 255
    values = np.asarray(image).astype(np.float64)
    if image.mode in ("I", "F", "I;16"):
        low, high = values.min(), values.max()
        return (values - low) / max(high - low, 1e-12)
    return np.asarray(image.convert("RGB")).astype(np.float64) / 255


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("modes")
    assert write_mode_samples(source) == MODES
    return source


def test_an_identity_network_gives_back_every_mode_unchanged(samples: Path, tmp_path: Path) -> None:
    outcomes = _restore(samples, tmp_path, lambda batch: batch)
    assert {key: o.reason for key, o in outcomes.items() if not o.restored} == {}
    for name in MODES:
        assert outcomes[name].notes == [], (name, outcomes[name].notes)
        with Image.open(samples / name) as before, Image.open(tmp_path / name) as after:
            assert (after.format, after.mode, after.size) == (before.format, before.mode, before.size), name
            assert after.info.get("icc_profile") == before.info.get("icc_profile"), name
            # JPEG re-encoding, Pillow's nearest palette entry, 8-bit colour conversions
            tolerance = {"print.jpg": 0.02, "palette.png": 0.03}.get(name, 0.015)
            assert np.abs(_as_rgb(after) - _as_rgb(before)).max() <= tolerance, name
    with Image.open(samples / "print-scan.tif") as before, Image.open(tmp_path / "print-scan.tif") as after:
        np.testing.assert_array_equal(np.asarray(after), np.asarray(before))  # black stays in K, exactly
    with Image.open(samples / "int32.tif") as before, Image.open(tmp_path / "int32.tif") as after:
        assert np.abs(np.asarray(after) - np.asarray(before)).max() <= 2 * 255_000 / 65535  # 16-bit steps
    with Image.open(samples / "float32.tif") as before, Image.open(tmp_path / "float32.tif") as after:
        assert np.asarray(after).dtype == np.float32
        np.testing.assert_allclose(np.asarray(after), np.asarray(before), atol=1 / 65535)
    with Image.open(tmp_path / "print.jpg") as jpeg:
        assert jpeg.info["dpi"] == (300, 300)


def test_a_restoration_changes_pixels_not_modes(samples: Path, tmp_path: Path) -> None:
    """A network that darkens: every output is darker, in its own mode (CMYK gains ink, LAB loses L*)."""
    outcomes = _restore(samples, tmp_path, lambda batch: batch * 0.8)
    assert all(o.restored for o in outcomes.values())
    for name in MODES:
        if name in ("bilevel.tif", "palette.png"):
            continue  # two levels, or 16 colours: the darker colours are not there to take
        with Image.open(samples / name) as before, Image.open(tmp_path / name) as after:
            assert after.mode == before.mode, name
            if before.mode not in ("I", "F", "I;16"):  # those are shown from their own range
                assert _as_rgb(after).mean() < _as_rgb(before).mean() - 0.05, name
    ink_before = np.asarray(Image.open(samples / "print-scan.tif")).astype(int).sum()
    assert np.asarray(Image.open(tmp_path / "print-scan.tif")).astype(int).sum() > ink_before


def test_formats_that_cannot_hold_the_mode_say_what_was_written(samples: Path, tmp_path: Path) -> None:
    outcomes = _restore(samples, tmp_path, lambda batch: batch, fmt="png")
    assert all(o.restored for o in outcomes.values())
    notes = {key: o.notes for key, o in outcomes.items()}
    assert notes["print.jpg"] == [
        "CMYK written as RGB: PNG cannot hold CMYK",
        "ICC profile not kept: it describes CMYK, the output is RGB",
    ]
    assert notes["lab.tif"][0] == "LAB written as RGB: PNG cannot hold LAB"
    if Image.open(samples / "lab.tif").info.get("icc_profile"):
        assert notes["lab.tif"][1:] == ["ICC profile not kept: it describes LAB, the output is RGB"]
    assert notes["ycbcr.tif"] == ["YCbCr written as RGB: PNG cannot hold YCbCr"]
    wide = np.asarray(Image.open(samples / "int32.tif"))
    assert wide.max() > 65535  # so its values are mapped, not kept
    assert notes["int32.tif"] == [
        f"32-bit grey written as I;16, values 0..{wide.max()} mapped onto 0..65535: PNG cannot hold 32-bit grey"
    ]
    assert notes["float32.tif"][0].startswith("32-bit grey written as I;16, values 0..1 mapped")
    modes = {name: Image.open(tmp_path / output_name(name, "png")).mode for name in MODES}
    assert modes["print.jpg"] == modes["lab.tif"] == modes["ycbcr.tif"] == "RGB"
    assert modes["int32.tif"] == modes["float32.tif"] == "I;16"
    assert Image.open(tmp_path / "print.png").info.get("icc_profile") is None
    jpeg = _restore(samples, tmp_path / "jpg", lambda batch: batch, fmt="jpg")
    assert Image.open(tmp_path / "jpg" / "print.jpg").mode == "CMYK"  # JPEG holds CMYK
    assert Image.open(tmp_path / "jpg" / "print.jpg").info["icc_profile"] == CMYK_PROFILE
    assert jpeg["float32.tif"].notes[0].startswith("32-bit grey written as L, values 0..1 mapped")
    assert Image.open(tmp_path / "jpg" / "ycbcr.jpg").info["icc_profile"] == SRGB


def test_every_mode_through_the_job_and_the_stream(
    backend: Backend, client: Connection, tiny_onnx: Path, samples: Path, tmp_path: Path
) -> None:
    """The real model, as a job reading the folder on the backend and streamed from a client: all restored,
    in their modes, and the streamed files are the job's, byte for byte."""
    register(backend.workspace.root, tiny_onnx)
    local = tmp_path / "local"
    spec = batch_pb2.RestoreBatchSpec(input=str(samples), out=str(local), layer=1, tile=64, overlap=8)
    final = wait_for_state(client, client.submit(jobs_pb2.JobSpec(restore_batch=spec)).id, timeout=120)
    assert final.state == jobs_pb2.JOB_STATE_SUCCEEDED, final.message
    summary = json.loads((local / "restore-summary.json").read_text())
    assert summary["counts"]["restored"] == len(MODES) and summary["failed"] == [], summary["failed"]
    for name, mode in MODES.items():
        with Image.open(local / name) as after:
            assert after.mode == mode, name
    request = RemoteRestore(samples, tmp_path / "remote", RestoreOptions(layer=1, tile=64, overlap=8))
    result = restore_remote(client, request)
    assert len(result.restored) == len(MODES) and not result.failed
    for name in MODES:
        assert (tmp_path / "remote" / name).read_bytes() == (local / name).read_bytes(), name
    assert Image.open(io.BytesIO((local / "print.jpg").read_bytes())).info["icc_profile"] == CMYK_PROFILE

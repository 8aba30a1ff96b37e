"""``omni train restoration --clean DIR``: clean images degraded afresh every epoch, reproducibly, resumably."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from backend.cloud.sagemaker.context import ContainerContext
from backend.restoration.archs import preset_for
from backend.restoration.checkpoints import checkpoint_key
from backend.restoration.clean_data import CleanImages, DegradedPatches, scan_clean, whiten_paper
from backend.restoration.params import TrainRestorationParams, validate_train_params
from backend.restoration.run import train_from_clean
from backend.restoration.trainer import TrainOutcome
from backend.synthetic.realistic.presets import DOCUMENT, PHOTO
from desktop.client import Connection
from omni_core.confinement import unconfined
from omni_core.errors import FailedPrecondition, InvalidArgument, JobCancelled
from protos.omni.v1 import jobs_pb2, training_pb2
from tests.backend.training.test_resume_mid_epoch import StopAfter, paths_in
from tests.clean_folder import CORRUPT, READABLE, make_clean_folder
from tests.helpers import wait_for_state


def clean_params(folder: Path, **changes: object) -> TrainRestorationParams:
    values: dict[str, object] = {
        "data": "", "clean": str(folder), "layer": 1, "preset": "tiny", "epochs": 2, "batch_size": 2, "patch": 24,
        "val_split": 0.3, "device": "cpu", "num_workers": -1, "seed": 4, "lr": 2e-3,
    }  # fmt: skip
    return validate_train_params(TrainRestorationParams(**{**values, **changes}))  # type: ignore[arg-type]


def test_patches_are_fresh_every_epoch_and_the_same_for_the_same_key(tmp_path: Path) -> None:
    scan = scan_clean(make_clean_folder(tmp_path / "mine"), unconfined())
    assert len(scan.images) == len(READABLE) and CORRUPT in {item["file"] for item in scan.skipped}
    patches = DegradedPatches(CleanImages(scan.images), 32, 9, PHOTO)
    degraded, clean = patches[(0, 2)]
    assert degraded.shape == clean.shape == (3, 32, 32)
    again = DegradedPatches(CleanImages(scan.images), 32, 9, PHOTO)[(0, 2)]
    assert torch.equal(degraded, again[0]) and torch.equal(clean, again[1])
    assert not torch.equal(degraded, patches[(1, 2)][0])  # a new epoch, a new crop and degradation
    assert not torch.equal(degraded, clean)


def test_whitening_makes_the_paper_white_and_keeps_the_ink() -> None:
    page = np.empty((80, 80, 3), np.uint8)
    page[:] = (226, 214, 180)  # yellowed paper
    page[30:34, 10:70] = (40, 35, 30)
    white = whiten_paper(page)
    assert white[:20].min() >= 250
    assert white[31, 40].max() < 70


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"domain": "paintings"}, "domain"),
        ({"data": "/somewhere"}, "data"),
        ({"whiten_paper": True}, "whiten_paper"),  # photo
        ({"clean": "", "data": "/pairs", "whiten_paper": True, "domain": "document"}, "whiten_paper"),
    ],
)
def test_wrong_options_name_their_field(tmp_path: Path, changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        clean_params(tmp_path, **changes)
    assert caught.value.field == field


def test_interrupted_clean_training_resumes_to_the_same_weights(tmp_path: Path) -> None:
    params = clean_params(make_clean_folder(tmp_path / "mine"), domain="document")

    def train(ctx: ContainerContext) -> TrainOutcome:
        outcome = TrainOutcome(config=preset_for(params.layer, params.preset))
        train_from_clean(params, ctx, outcome, {})
        return outcome

    straight = train(ContainerContext(paths_in(tmp_path / "a"), scratch_dir=tmp_path / "sa", out=io.StringIO()))
    interrupted = paths_in(tmp_path / "b")
    with pytest.raises(JobCancelled):
        train(StopAfter(interrupted, tmp_path / "sb", 3))  # inside epoch 2 (2 steps per epoch)
    again = ContainerContext(interrupted, scratch_dir=tmp_path / "sc", out=io.StringIO())
    assert again.resume_if_checkpointed(checkpoint_key("job-under-test"))
    resumed = train(again)
    assert straight.model is not None and resumed.model is not None
    for name, tensor in straight.model.state_dict().items():
        assert torch.equal(tensor, resumed.model.state_dict()[name]), name
    assert [h.psnr for h in resumed.history] == [h.psnr for h in straight.history]


def test_a_clean_training_job_records_domain_and_preset_in_the_card(client: Connection, tmp_path: Path) -> None:
    folder = make_clean_folder(tmp_path / "scans")
    spec = training_pb2.TrainRestorationSpec(
        clean=str(folder), domain="document", whiten_paper=True, layer=1, preset="tiny", epochs=1, batch_size=2,
        patch=24, val_split=0.3, device="cpu", num_workers=-1, seed=1, lr=2e-3,
    )  # fmt: skip
    job = client.submit(jobs_pb2.JobSpec(train_restoration=spec))
    final = wait_for_state(client, job.id, timeout=240)
    assert final.state == jobs_pb2.JOB_STATE_SUCCEEDED, final.message
    card = json.loads(client.get_model(final.outputs["model_version"]).card_json)
    assert card["domain"] == "document" and card["whiten_paper"] is True
    assert card["degradation"] == DOCUMENT.to_dict()
    assert card["training_data"] == "clean images degraded on the fly" and card["data"] == str(folder)
    report = json.loads(client.get_report(job.id, "json"))
    assert report["data"]["clean_images"] == len(READABLE) and report["data"]["train_images"] >= 4
    assert CORRUPT in {item["file"] for item in report["data"]["skipped_examples"]}
    text = client.get_report(job.id, "text")
    assert f"Clean images: {len(READABLE)}" in text and "Paper tone in the targets: whitened" in text
    page = client.get_report(job.id, "html")
    assert "paper tone in the targets" in page
    sheet = report["real_images"]["before_after"]  # a whitening model is shown, not judged by PSNR on scans
    assert report["real_images"]["whiten_paper"] is True and sheet["domain"] == "document" and sheet["rows"]
    assert f"data:image/png;base64,{sheet['png_base64']}" in page and "Before/after images" in text


def test_a_folder_without_a_readable_image_fails_naming_the_field(tmp_path: Path) -> None:
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (folder / "notes.txt").write_text("hello")
    ctx = ContainerContext(paths_in(tmp_path / "a"), scratch_dir=tmp_path / "s", out=io.StringIO())
    with pytest.raises(FailedPrecondition) as caught:
        train_from_clean(clean_params(folder), ctx, TrainOutcome(config=preset_for(1, "tiny")), {})
    assert str(caught.value).startswith("clean: no readable images") and "2 files skipped" in str(caught.value)


def test_a_multi_page_tiff_among_the_clean_images_is_skipped_with_the_reason(tmp_path: Path) -> None:
    from PIL import Image

    folder = make_clean_folder(tmp_path / "mine")
    pages = [Image.new("RGB", (40, 40), (n * 60, 90, 120)) for n in range(3)]
    pages[0].save(folder / "document.tif", save_all=True, append_images=pages[1:])
    scan = scan_clean(folder, unconfined())
    assert len(scan.images) == len(READABLE)
    reasons = {item["file"]: item["reason"] for item in scan.skipped}
    assert reasons["document.tif"] == "unsupported: a TIFF of 3 pages (a clean image is one page a file)"

"""A confined backend (``host_paths_allowed=False``, what any backend reachable beyond loopback is) over real
RPCs: hostile paths get INVALID_ARGUMENT / NOT_FOUND / PERMISSION_DENIED naming the field, never INTERNAL, and
nothing outside the workspace is read, listed, hashed or written, however a link inside points outside."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from PIL import Image

from backend.rpc.server import Backend
from desktop.client import BackendError, BackendTarget, Connection
from protos.omni.v1 import (
    artifacts_pb2,
    batch_pb2,
    datasets_pb2,
    detection_pb2,
    jobs_pb2,
    storage_pb2,
    training_pb2,
)
from tests.backend.conftest import TOKEN
from tests.helpers import restoration_spec, wait_for_progress, wait_for_state

LONG = "x" * 300  # one name over NAME_MAX (255 bytes)
SECRET = b"SECRET-OUTSIDE-THE-WORKSPACE"
SUCCEEDED = jobs_pb2.JOB_STATE_SUCCEEDED


def png(path: Path, shade: int = 90, size: int = 32) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (size, size), (shade, 128, 200)).save(path)
    return path


@pytest.fixture
def confined(make_backend: Callable[..., Backend], tmp_path: Path) -> Iterator[tuple[Backend, Connection]]:
    backend = make_backend(workspace=tmp_path / "ws", host_paths_allowed=False)
    with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN)) as client:
        yield backend, client


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the workspace: a secret file, an image, labels, a folder that looks like a .pt."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_bytes(SECRET)
    png(folder / "images" / "secret.png", shade=7)
    (folder / "labels").mkdir()
    (folder / "labels" / "secret.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    (folder / "real.pt").write_bytes(b"not a checkpoint")
    (folder / "folder.pt").mkdir()
    return folder


def refused(call: Callable[[], object]) -> BackendError:
    with pytest.raises(BackendError) as caught:
        call()
    assert caught.value.code != "INTERNAL", caught.value.message
    assert len(caught.value.message) < 500  # echoed values are cut short
    return caught.value


def outside_files(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*")}


# -- names the file system cannot take, NUL, ~user, loops ---------------------------------------------


def specs_with(value: str, backend: Backend, client: Connection) -> list[tuple[str, jobs_pb2.JobSpec]]:
    """Every path field of SubmitJob set to ``value``, the other fields valid (an input folder, a dataset)."""
    good = str(png(backend.workspace.root / "in" / "a.png").parent)
    if not client.list_datasets():
        client.create_dataset("d")
    return [
        ("out", restoration_spec(value)),
        ("input", jobs_pb2.JobSpec(restore_batch=batch_pb2.RestoreBatchSpec(input=value, out="o"))),
        ("out", jobs_pb2.JobSpec(restore_batch=batch_pb2.RestoreBatchSpec(input=good, out=value))),
        ("ref", jobs_pb2.JobSpec(restore_batch=batch_pb2.RestoreBatchSpec(input=good, out="o", ref=value))),
        ("input", jobs_pb2.JobSpec(detect_batch=detection_pb2.DetectBatchSpec(input=value, out="o"))),
        ("out", jobs_pb2.JobSpec(detect_batch=detection_pb2.DetectBatchSpec(input=good, out=value))),
        ("pred", jobs_pb2.JobSpec(evaluate=training_pb2.EvaluateSpec(pred=value, ref=good))),
        ("ref", jobs_pb2.JobSpec(evaluate=training_pb2.EvaluateSpec(pred=good, ref=value))),
        ("data", jobs_pb2.JobSpec(train_restoration=training_pb2.TrainRestorationSpec(data=value))),
        ("data", jobs_pb2.JobSpec(train_detection=detection_pb2.TrainDetectionSpec(data=value, epochs=1))),
        ("path", jobs_pb2.JobSpec(import_dataset=datasets_pb2.ImportDatasetSpec(path=value, format="yolo"))),
        ("out", jobs_pb2.JobSpec(export_dataset=datasets_pb2.ExportDatasetSpec(dataset="d", out=value))),
    ]


@pytest.mark.parametrize(
    "value",
    [
        f"{LONG}/x",
        f"a/{LONG}.pt",
        "/".join(["abcdefghij"] * 420),  # 4,619 bytes: over PATH_MAX
    ],
)
def test_overlong_paths_and_keys_are_invalid_argument(confined: tuple[Backend, Connection], value: str) -> None:
    backend, client = confined
    for field, spec in specs_with(value, backend, client):
        error = refused(lambda spec=spec: client.submit(spec))  # type: ignore[misc]
        # the field as the request check names it (its path in the request) or as the job's checks do
        named = error.message.split(":")[0].rpartition(".")[2]
        assert (error.code, named) == ("INVALID_ARGUMENT", field), (field, error.message)
    for call, field in (
        (lambda: client.read_artifact(f"models/{value}"), "key"),
        (lambda: client.get_report(value.replace("/", "_")), "report_id"),
        (lambda: client.import_detector(path=value), "path"),
        (lambda: client.import_detector(data=b"weights", filename=value.rsplit("/", 1)[-1]), "filename"),
    ):
        error = refused(call)
        assert (error.code, error.message.split(":")[0]) == ("INVALID_ARGUMENT", field), error.message
    with pytest.raises(grpc.RpcError) as caught:
        client.artifacts.ListArtifacts(artifacts_pb2.ListArtifactsRequest(prefix=f"models/{value}"), metadata=_auth())
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    assert caught.value.details().startswith("prefix:")  # type: ignore[attr-defined]
    assert not client.list_jobs()


def test_a_nul_in_a_path_is_invalid_argument(confined: tuple[Backend, Connection]) -> None:
    backend, client = confined
    for value in ("model\x00.pt", "a\x00b/model.pt", "/etc/\x00passwd.pt"):
        error = refused(lambda value=value: client.import_detector(path=value))  # type: ignore[misc]
        assert error.code == "INVALID_ARGUMENT" and error.message.startswith("path:")
        assert "NUL" in error.message
    error = refused(lambda: client.import_detector(data=b"weights", filename="model\x00.pt"))
    assert error.code == "INVALID_ARGUMENT" and error.message.startswith("filename:")
    for field, spec in specs_with("in\x00side", backend, client):
        error = refused(lambda spec=spec: client.submit(spec))  # type: ignore[misc]
        assert error.code == "INVALID_ARGUMENT", (field, error.message)


def test_a_tilde_is_an_ordinary_folder_name(confined: tuple[Backend, Connection]) -> None:
    backend, client = confined
    for value in ("~nosuchuser/model.pt", "~/model.pt", "~root/model.pt"):
        error = refused(lambda value=value: client.import_detector(path=value))  # type: ignore[misc]
        assert error.code == "INVALID_ARGUMENT" and "does not exist on the backend" in error.message, error.message
    job = client.submit(restoration_spec("~nosuchuser/pairs", count=1))
    assert job.outputs["out"] == str(backend.workspace.root / "~nosuchuser" / "pairs")


def test_a_symlink_loop_is_invalid_argument(confined: tuple[Backend, Connection]) -> None:
    backend, client = confined
    root = backend.workspace.root
    (root / "loop-a").symlink_to(root / "loop-b")
    (root / "loop-b").symlink_to(root / "loop-a")
    (root / "models" / "loop").symlink_to(root / "models" / "loop")
    for field, spec in specs_with("loop-a/inner", backend, client):
        error = refused(lambda spec=spec: client.submit(spec))  # type: ignore[misc]
        assert error.code == "INVALID_ARGUMENT" and "symlink loop" in error.message, (field, error.message)
    error = refused(lambda: client.import_detector(path="loop-a/model.pt"))
    assert error.code == "INVALID_ARGUMENT" and "symlink loop" in error.message
    assert refused(lambda: client.read_artifact("models/loop")).code == "NOT_FOUND"
    listed = client.artifacts.ListArtifacts(artifacts_pb2.ListArtifactsRequest(prefix="models/"), metadata=_auth())
    assert not listed.artifacts


def _auth() -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {TOKEN}")]


# -- the artifact store follows no link ----------------------------------------------------------------


def test_the_artifact_store_never_reads_or_lists_through_a_link(
    confined: tuple[Backend, Connection], outside: Path
) -> None:
    backend, client = confined
    root = backend.workspace.root
    (root / "models" / "leak.txt").symlink_to(outside / "secret.txt")
    (root / "models" / "linked").symlink_to(outside, target_is_directory=True)
    (root / "training-outputs" / "reports" / "evil").symlink_to(outside, target_is_directory=True)
    (outside / "report.json").write_text(json.dumps({"id": "evil", "secret": SECRET.decode()}))
    for key in ("models/leak.txt", "models/linked/secret.txt"):
        assert refused(lambda key=key: client.read_artifact(key)).code == "NOT_FOUND"  # type: ignore[misc]
    assert refused(lambda: client.get_report("evil", "json")).code == "NOT_FOUND"
    for prefix in ("", "models/", "models/linked/", "training-outputs/"):
        listed = client.artifacts.ListArtifacts(artifacts_pb2.ListArtifactsRequest(prefix=prefix), metadata=_auth())
        keys = [item.key for item in listed.artifacts]
        assert not [key for key in keys if any(word in key for word in ("leak", "link", "evil"))]
    assert not client.list_reports()


# -- ImportDetector: confinement before existence ------------------------------------------------------


def test_import_detector_says_nothing_about_what_exists_outside(
    confined: tuple[Backend, Connection], outside: Path
) -> None:
    backend, client = confined
    (backend.workspace.root / "link.pt").symlink_to(outside / "real.pt")
    (backend.workspace.root / "dir-link.pt").symlink_to(outside / "folder.pt")
    answers = []
    for value in (
        str(outside / "real.pt"),
        str(outside / "folder.pt"),
        str(outside / "missing.pt"),
        "link.pt",
        "dir-link.pt",
        "../outside/real.pt",
    ):
        error = refused(lambda value=value: client.import_detector(path=value))  # type: ignore[misc]
        assert error.code == "PERMISSION_DENIED" and error.message.startswith("path:"), error.message
        assert "is a folder" not in error.message and "does not exist" not in error.message
        answers.append(error.message.split(" resolves ", 1)[1])
    assert len(set(answers)) == 1  # the same answer whether the outside thing is a file, a folder or nothing


# -- dataset import: links and paths inside files ------------------------------------------------------


def _import(client: Connection, path: Path, fmt: str, name: str) -> tuple[jobs_pb2.Job, dict[str, object]]:
    job = client.submit(
        jobs_pb2.JobSpec(import_dataset=datasets_pb2.ImportDatasetSpec(path=str(path), format=fmt, name=name))
    )
    final = wait_for_state(client, job.id, timeout=90)
    assert final.state == SUCCEEDED, final.message
    report = json.loads(client.read_artifact(final.outputs["report"]))
    return final, report


def test_yolo_import_skips_links_and_paths_that_leave_the_workspace(
    confined: tuple[Backend, Connection], outside: Path
) -> None:
    backend, client = confined
    folder = backend.workspace.root / "training-data" / "yolo-set"
    png(folder / "images" / "train" / "a.png")
    (folder / "labels" / "train").mkdir(parents=True)
    (folder / "labels" / "train" / "a.txt").symlink_to(outside / "labels" / "secret.txt")
    (folder / "images" / "train" / "leak.png").symlink_to(outside / "images" / "secret.png")
    (folder / "images" / "linked").symlink_to(outside / "images", target_is_directory=True)
    (folder / "list.txt").write_text(f"{outside / 'images' / 'secret.png'}\n../../../outside/images/secret.png\n")
    (folder / "data.yaml").write_text(
        f"names: [dent]\ntrain: images/train\nval: {outside / 'images'}\ntest: list.txt\n"
    )
    _, report = _import(client, folder, "yolo", "yolo-set")
    assert client.get_dataset("yolo-set").image_count == 1
    text = json.dumps(report)
    assert "leak.png" in text and text.count("resolves outside the workspace") >= 3
    # a data.yaml whose path: is outside reads nothing there
    (folder / "data.yaml").write_text(f"path: {outside}\nnames: [dent]\ntrain: images\nval: images\n")
    _, report = _import(client, folder, "yolo", "yolo-path")
    text = json.dumps(report)
    assert client.get_dataset("yolo-path").image_count == 1  # images/train/a.png, read as a plain folder
    assert "resolves outside the workspace" in text and SECRET.decode() not in text


def test_coco_and_voc_imports_never_read_a_file_name_outside(
    confined: tuple[Backend, Connection], outside: Path
) -> None:
    backend, client = confined
    coco = backend.workspace.root / "training-data" / "coco-set"
    png(coco / "images" / "train" / "a.png")
    document = {
        "images": [
            {"id": 1, "file_name": "a.png"},
            {"id": 2, "file_name": str(outside / "images" / "secret.png")},
            {"id": 3, "file_name": "../../../../outside/images/secret.png"},
        ],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 5, 5]},
            {"id": 2, "image_id": 2, "category_id": 1, "bbox": [1, 1, 5, 5]},
        ],
        "categories": [{"id": 1, "name": "dent"}],
    }
    (coco / "annotations").mkdir()
    (coco / "annotations" / "instances_train.json").write_text(json.dumps(document))
    (coco / "annotations" / "instances_val.json").symlink_to(outside / "secret.txt")
    _, report = _import(client, coco, "coco", "coco-set")
    assert client.get_dataset("coco-set").image_count == 1
    text = json.dumps(report)
    assert text.count("resolves outside the workspace") >= 3 and SECRET.decode() not in text

    voc = backend.workspace.root / "training-data" / "voc-set"
    png(voc / "JPEGImages" / "a.png")
    (voc / "Annotations").mkdir()
    names = {"a": "a.png", "b": "../../../../outside/images/secret.png", "c": str(outside / "images" / "secret.png")}
    for stem, filename in names.items():
        (voc / "Annotations" / f"{stem}.xml").write_text(
            f"<annotation><filename>{filename}</filename><object><name>dent</name>"
            "<bndbox><xmin>2</xmin><ymin>2</ymin><xmax>9</xmax><ymax>9</ymax></bndbox></object></annotation>"
        )
    (voc / "classes.txt").symlink_to(outside / "secret.txt")
    _, report = _import(client, voc, "voc", "voc-set")
    dataset = client.get_dataset("voc-set")
    assert dataset.image_count == 1 and [c.name for c in dataset.classes] == ["dent"]
    text = json.dumps(report)
    assert text.count("resolves outside the workspace") >= 3 and SECRET.decode() not in text


# -- training from a data.yaml -------------------------------------------------------------------------


def test_training_refuses_a_data_yaml_that_reaches_outside(confined: tuple[Backend, Connection], outside: Path) -> None:
    backend, client = confined
    folder = backend.workspace.root / "training-data" / "det"
    for split in ("train", "val"):
        png(folder / "images" / split / "a.png")
    (folder / "labels").symlink_to(outside / "labels", target_is_directory=True)
    (outside / "labels" / "train").mkdir()
    (outside / "labels" / "val").mkdir()
    (outside / "labels" / "train" / "a.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    (outside / "labels" / "val" / "a.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    (outside / "labels" / "echo.txt").write_text(f"{SECRET.decode()} 1 2\n")  # a "malformed line" if read
    before = outside_files(outside)
    yaml_file = folder / "data.yaml"
    cases = {
        "labels beside the images are a link out": "names: [dent]\ntrain: images/train\nval: images/val\n",
        "path: is outside": f"path: {outside}\nnames: [dent]\ntrain: images\nval: images\n",
        "a split is outside": f"names: [dent]\ntrain: images/train\nval: {outside / 'images'}\n",
    }
    for why, text in cases.items():
        yaml_file.write_text(text)
        error = refused(
            lambda: client.submit(
                jobs_pb2.JobSpec(train_detection=detection_pb2.TrainDetectionSpec(data=str(yaml_file), epochs=1))
            )
        )
        assert error.code == "PERMISSION_DENIED" and error.message.startswith("data:"), (why, error.message)
    (folder / "labels").unlink()
    (folder / "images" / "train" / "b.png").symlink_to(outside / "images" / "secret.png")
    yaml_file.write_text(cases["labels beside the images are a link out"])
    error = refused(
        lambda: client.submit(
            jobs_pb2.JobSpec(train_detection=detection_pb2.TrainDetectionSpec(data=str(yaml_file), epochs=1))
        )
    )
    assert error.code == "PERMISSION_DENIED" and "b.png" in error.message
    (folder / "images" / "train" / "b.png").unlink()
    (folder / "labels" / "val").mkdir(parents=True)
    (folder / "labels" / "train").mkdir()
    (folder / "labels" / "train" / "a.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    (folder / "labels" / "val" / "a.txt").symlink_to(outside / "labels" / "echo.txt")
    error = refused(
        lambda: client.submit(
            jobs_pb2.JobSpec(train_detection=detection_pb2.TrainDetectionSpec(data=str(yaml_file), epochs=1))
        )
    )
    assert error.code == "PERMISSION_DENIED" and "a.txt" in error.message and SECRET.decode() not in error.message
    assert outside_files(outside) == before  # no labels/*.cache, nothing else written
    assert not client.list_jobs()


# -- evaluate ------------------------------------------------------------------------------------------


def test_evaluate_reads_no_image_through_a_link(confined: tuple[Backend, Connection], outside: Path) -> None:
    backend, client = confined
    root = backend.workspace.root
    for name in ("a.png", "secret.png"):
        png(root / "ref" / name, shade=7)
    png(root / "pred" / "a.png", shade=8)
    (root / "pred" / "secret.png").symlink_to(outside / "images" / "secret.png")
    job = client.submit(jobs_pb2.JobSpec(evaluate=training_pb2.EvaluateSpec(pred="pred", ref="ref")))
    final = wait_for_state(client, job.id, timeout=90)
    assert final.state == SUCCEEDED, final.message
    result = json.loads(client.read_artifact(final.outputs["result"]))
    assert result["count"] == 1 and [row["name"] for row in result["images"]] == ["a"]
    assert any(
        item["file"].endswith("secret.png") and "outside the workspace" in item["reason"] for item in result["skipped"]
    )
    (root / "linked").symlink_to(outside / "images", target_is_directory=True)
    error = refused(
        lambda: client.submit(jobs_pb2.JobSpec(evaluate=training_pb2.EvaluateSpec(pred="linked", ref="ref")))
    )
    assert error.code == "PERMISSION_DENIED" and error.message.startswith("pred:")


# -- a resumed job whose output folder became a link ---------------------------------------------------


def test_a_resumed_job_does_not_write_through_an_output_folder_replaced_by_a_link(
    confined: tuple[Backend, Connection], outside: Path
) -> None:
    backend, client = confined
    out = backend.workspace.root / "synthetic-data" / "pairs"
    job = client.submit(restoration_spec("synthetic-data/pairs", count=100_000, size=64))
    wait_for_progress(client, job.id, done=2)
    client.cancel_job(job.id)
    assert wait_for_state(client, job.id, timeout=30).state == jobs_pb2.JOB_STATE_CANCELLED
    out.rename(out.with_name("pairs-moved"))
    target = outside / "taken"
    target.mkdir()
    out.symlink_to(target, target_is_directory=True)
    error = refused(lambda: client.resume_job(job.id))
    assert error.code == "PERMISSION_DENIED" and error.message.startswith("out:")
    assert not list(target.iterdir())


# -- a loopback backend --------------------------------------------------------------------------------


def test_a_loopback_backend_reaches_host_paths_but_never_answers_internal(
    make_backend: Callable[..., Backend], tmp_path: Path, outside: Path
) -> None:
    backend = make_backend(workspace=tmp_path / "ws-loopback")
    with Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=TOKEN)) as client:
        assert client.system_info().host_paths_allowed
        error = refused(lambda: client.import_detector(path=str(outside / "real.pt")))
        assert error.code == "INVALID_ARGUMENT" and "not a PyTorch checkpoint" in error.message  # it was read
        for value in (f"{LONG}.pt", "a\x00.pt"):
            error = refused(lambda value=value: client.import_detector(path=value))  # type: ignore[misc]
            assert error.code == "INVALID_ARGUMENT" and error.message.startswith("path:")
        (backend.workspace.root / "models" / "leak.txt").symlink_to(outside / "secret.txt")
        assert refused(lambda: client.read_artifact("models/leak.txt")).code == "NOT_FOUND"  # the store: both
        for value in (f"{LONG}/credentials", "cred\x00entials", "~nosuchuser/credentials"):
            request = storage_pb2.SetRemoteRequest(
                url="s3://bucket/omni", endpoint="http://127.0.0.1:9", credentials_file=value
            )
            error = refused(lambda request=request: client.set_remote(request))  # type: ignore[misc]
            assert error.code == "INVALID_ARGUMENT" and error.message.startswith("credentials_file:"), error.message

"""``omni_core.confinement`` and the places that use it where no RPC reaches directly: the policy itself, the
artifact store, and the re-checks a job makes in its worker (its output folder may have become a link since
it was submitted). Real files and real symlinks in temporary folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from backend.batch.pipeline import Task, file_sink
from backend.detection.data_check import check_data_yaml
from backend.detection.models import starting_point
from backend.jobs.context import confinement_of
from backend.registry import ModelRegistry
from backend.restoration.pairs import scan_pairs
from backend.storage.local import LocalStore
from backend.synthetic.jobs import run_restoration
from backend.synthetic.params import SynthRestorationParams
from backend.workspace import Workspace
from omni_core.batch.walk import scan_folder
from omni_core.confinement import NAME_MAX, OUTSIDE, Confinement, check_text, unconfined
from omni_core.errors import InvalidArgument, PermissionDenied
from omni_core.formats import read_dataset
from tests.backend.synthetic.conftest import RecordingContext

SECRET = b"SECRET-OUTSIDE"


def png(path: Path, shade: int = 90) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (32, 32), (shade, 100, 150)).save(path)
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir()
    return folder


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_bytes(SECRET)
    (folder / "dir").mkdir()
    png(folder / "secret.png", shade=7)
    return folder


def confined(root: Path) -> Confinement:
    return Confinement.of(root, host_paths_allowed=False)


# -- the policy ----------------------------------------------------------------------------------------


def test_names_the_file_system_cannot_take_are_invalid_arguments() -> None:
    check_text("a/" + "é" * (NAME_MAX // 2), "out")  # 254 bytes: fits
    for value, why in (
        ("a/" + "é" * 128, "256 bytes long"),  # the limit is in bytes, not characters
        ("x" * 300, "300 bytes long"),
        ("/".join(["abcdefghij"] * 400), "longer than 4096 bytes"),
        ("in\x00side", "NUL"),
        ("\udcff\ud800", "not a valid file name"),
    ):
        with pytest.raises(InvalidArgument) as caught:
            check_text(value, "out")
        assert caught.value.field == "out" and why in caught.value.message, caught.value.message
        assert len(caught.value.message) < 300


def test_outside_is_refused_after_resolution_and_before_any_existence_check(root: Path, outside: Path) -> None:
    policy = confined(root)
    (root / "to-file").symlink_to(outside / "secret.txt")
    (root / "to-dir").symlink_to(outside / "dir")
    (root / "to-nothing").symlink_to(outside / "missing")
    answers = set()
    for value in ("to-file", "to-dir", "to-nothing", "../outside/secret.txt", str(outside / "missing"), "a/../../x"):
        with pytest.raises(PermissionDenied) as caught:
            policy.resolve(value, "path")
        answers.add(caught.value.message.split(" resolves ", 1)[1])
    assert len(answers) == 1  # file, folder, nothing: the same answer
    assert policy.resolve("~someone/x", "path") == root / "~someone" / "x"  # never expanded
    assert policy.resolve(str(root / "a" / ".." / "b"), "path") == root / "b"


def test_a_symlink_loop_is_an_invalid_argument_on_both_policies(root: Path) -> None:
    (root / "a").symlink_to(root / "b")
    (root / "b").symlink_to(root / "a")
    for policy in (confined(root), unconfined(root)):
        with pytest.raises(InvalidArgument) as caught:
            policy.resolve("a/inner", "input")
        assert caught.value.field == "input" and "symlink loop" in caught.value.message
        assert not policy.admits(root / "a")


def test_a_loopback_backend_reaches_host_paths_but_still_refuses_what_no_file_system_takes(
    root: Path, outside: Path
) -> None:
    policy = Confinement.of(root, host_paths_allowed=True)
    assert policy.resolve(str(outside / "secret.txt"), "path") == outside / "secret.txt"
    (root / "link").symlink_to(outside)
    assert policy.admits(root / "link" / "secret.txt")
    for value in ("x" * 300, "a\x00b"):
        with pytest.raises(InvalidArgument):
            policy.resolve(value, "path")


def test_a_context_without_a_policy_is_a_loopback_one(root: Path, tmp_path: Path) -> None:
    ctx = RecordingContext(scratch_dir=tmp_path / "scratch", workspace_root=root)
    assert confinement_of(ctx).host_paths_allowed
    ctx.confinement = confined(root)  # type: ignore[attr-defined]
    assert confinement_of(ctx).confined


def test_a_training_model_name_too_long_is_an_invalid_argument(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws", host_paths_allowed=False)
    for value in ("m" * 300 + ".yaml", "m" * 300 + ".pt", "a/" + "m" * 300 + ".pt", "~nobody/x.pt"):
        with pytest.raises(InvalidArgument) as caught:
            starting_point(workspace, ModelRegistry(workspace.store), value)
        assert caught.value.field == "model", caught.value.message


# -- the artifact store --------------------------------------------------------------------------------


def test_the_store_writes_nothing_through_a_link(root: Path, outside: Path) -> None:
    store = LocalStore(root)
    (root / "models").mkdir()
    (root / "models" / "linked").symlink_to(outside / "dir")
    (root / "models" / "file-link").symlink_to(outside / "secret.txt")
    for key in ("models/linked/new.bin", "models/linked/deeper/new.bin"):
        with pytest.raises(PermissionDenied):
            store.put_bytes(key, b"written")
    with pytest.raises(PermissionDenied):
        store.path_of("models/file-link")
    assert not list((outside / "dir").iterdir())
    assert not store.exists("models/file-link") and list(store.keys()) == []
    with pytest.raises(PermissionDenied):
        store.put_bytes("models/file-link", b"mine")
    assert (outside / "secret.txt").read_bytes() == SECRET
    with pytest.raises(InvalidArgument) as caught:
        store.exists("models/" + "k" * 256)
    assert caught.value.field == "key"


# -- readers on a client (no policy) keep following links --------------------------------------------


def test_a_client_reading_its_own_folder_follows_links(root: Path, outside: Path) -> None:
    png(root / "images" / "a.png")
    (root / "images" / "b.png").symlink_to(outside / "secret.png")
    assert len(read_dataset(root, "images", fallback_classes=["x"]).images) == 2
    parsed = read_dataset(root, "images", fallback_classes=["x"], confinement=confined(root))
    assert [image.filename for image in parsed.images] == ["images/a.png"]
    assert [(problem.file, problem.message) for problem in parsed.skipped] == [("images/b.png", OUTSIDE)]
    with pytest.raises(PermissionDenied):
        read_dataset(outside, "images", fallback_classes=["x"], confinement=confined(root))


def test_a_file_beside_the_workspace_is_outside_even_after_the_workspace_itself_was_read(
    tmp_path: Path, outside: Path
) -> None:
    """The workspace is allowed, the folder holding it is not: a file there is checked, not taken as known."""
    root = tmp_path / "ws"
    png(root / "images" / "a.png")
    png(tmp_path / "beside.png")
    (root / "list.txt").write_text(f"{tmp_path / 'beside.png'}\nimages/a.png\n")
    (root / "data.yaml").write_text("names: [x]\ntrain: .\nval: list.txt\n")  # the workspace is read first
    parsed = read_dataset(root, "yolo", fallback_classes=["x"], confinement=confined(root))
    assert sorted(str(image.path) for image in parsed.images) == [str(root / "images" / "a.png")]
    assert [problem.message for problem in parsed.skipped] == [OUTSIDE]


def test_a_data_yaml_cannot_climb_out_with_dot_dot(tmp_path: Path, outside: Path) -> None:
    """A split entry ``..`` after others from the same folder: checked anew, not taken as a known folder."""
    dataset = tmp_path / "ws"
    png(dataset / "images" / "a.png")
    (dataset / "data.yaml").write_text("names: [x]\ntrain: images\nval: ..\ntest: ../outside\n")
    parsed = read_dataset(dataset, "yolo", fallback_classes=["x"], confinement=confined(dataset))
    assert [image.filename for image in parsed.images] == ["a.png"]
    assert [(problem.file, problem.message) for problem in parsed.skipped] == [("..", OUTSIDE), ("../outside", OUTSIDE)]


# -- re-checks in the worker ---------------------------------------------------------------------------


def test_a_resumed_synthetic_job_writes_nothing_through_an_output_folder_that_became_a_link(
    root: Path, outside: Path, tmp_path: Path
) -> None:
    (root / "pairs").symlink_to(outside / "dir")
    ctx = RecordingContext(scratch_dir=tmp_path / "scratch", workspace_root=root, resumed_from="job-0")
    ctx.confinement = confined(root)  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied) as caught:
        run_restoration(SynthRestorationParams(count=2, out=str(root / "pairs"), size=64), ctx)
    assert caught.value.message.startswith("out:")
    assert not list((outside / "dir").iterdir())


def test_batch_outputs_are_not_written_into_a_subfolder_that_became_a_link(root: Path, outside: Path) -> None:
    out = root / "restored"
    (out / "sub").parent.mkdir()
    (out / "sub").symlink_to(outside / "dir")
    policy = confined(root)
    sink = file_sink(out, lambda folder: policy.resolve(folder, "out"))
    task = Task("sub/a.png", root / "a.png", "sub/a.png")
    with pytest.raises(PermissionDenied):
        sink(task, lambda handle: handle.write(b"pixels"))
    size, _ = sink(Task("b.png", root / "b.png", "b.png"), lambda handle: handle.write(b"pixels"))
    assert size == 6 and (out / "b.png").read_bytes() == b"pixels"
    assert not list((outside / "dir").iterdir())


def test_batch_input_scan_does_not_enter_or_list_a_link_out(root: Path, outside: Path) -> None:
    source = root / "in"
    png(source / "a.png")
    (source / "linked").symlink_to(outside)
    (source / "leak.png").symlink_to(outside / "secret.png")
    scan = scan_folder(source, recursive=True, allowed=confined(root).admits)
    assert [found.relative for found in scan.images] == ["a.png"]
    assert sorted((item.file, item.reason) for item in scan.skipped) == [("leak.png", OUTSIDE), ("linked", OUTSIDE)]
    everything = scan_folder(source, recursive=True)  # on loopback the links are followed, as before
    assert {found.relative for found in everything.images} == {"a.png", "leak.png", "linked/secret.png"}


def test_restoration_training_reads_no_pair_through_a_link(root: Path, outside: Path) -> None:
    data = root / "pairs"
    for name in ("a.png", "b.png"):
        png(data / "clean" / name)
    png(data / "degraded" / "a.png")
    (data / "degraded" / "b.png").symlink_to(outside / "secret.png")
    scan = scan_pairs(data, confinement=confined(root))
    assert [pair[0].name for pair in scan.pairs] == ["a.png"]
    assert any(item.reason == OUTSIDE for item in scan.rejected)
    (data / "degraded").rename(root / "moved")
    (data / "degraded").symlink_to(outside / "dir")
    with pytest.raises(PermissionDenied) as caught:
        scan_pairs(data, confinement=confined(root))
    assert caught.value.message.startswith("data:")


def test_a_data_yaml_reaching_outside_is_fine_on_loopback(root: Path, outside: Path) -> None:
    for split in ("train", "val"):
        png(outside / "images" / split / "a.png")
        (outside / "labels" / split).mkdir(parents=True)
        (outside / "labels" / split / "a.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    yaml_file = root / "data.yaml"
    yaml_file.write_text(f"path: {outside}\nnames: [dent]\ntrain: images/train\nval: images/val\n")
    assert check_data_yaml(yaml_file, "data").splits["train"].images
    with pytest.raises(PermissionDenied):
        check_data_yaml(yaml_file, "data", confined(root))


@pytest.mark.parametrize("fmt", ["yolo", "coco", "voc", "cvat", "labelme", "labelstudio"])
def test_every_reader_skips_links_out_of_the_workspace(fmt: str, root: Path, outside: Path) -> None:
    from tests.omni_core.formats.exchange import write

    dataset = root / "training-data" / fmt
    write(fmt, dataset)
    baseline = read_dataset(dataset, fmt, fallback_classes=["x"], confinement=confined(root))
    assert baseline.images and not [p for p in baseline.skipped if p.message == OUTSIDE]
    hostile = {
        "images": [{"id": 1, "file_name": "SECRET-OUTSIDE.png"}],
        "shapes": [{"label": "SECRET-OUTSIDE", "points": [[0, 0], [5, 5]], "shape_type": "rectangle"}],
        "imagePath": "SECRET-OUTSIDE.png",
    }
    (outside / "hostile.json").write_text(json.dumps(hostile))
    (dataset / "extra.json").symlink_to(outside / "hostile.json")
    folder = baseline.images[0].path.parent
    (folder / "leak.png").symlink_to(outside / "secret.png")
    parsed = read_dataset(dataset, fmt, fallback_classes=["x"], confinement=confined(root))
    assert sorted(i.filename for i in parsed.images) == sorted(i.filename for i in baseline.images)
    reported = json.dumps([p.to_json() for p in [*parsed.skipped, *parsed.problems]])
    assert "SECRET" not in reported and "SECRET-OUTSIDE" not in (parsed.classes or [])
    assert any(p.file.endswith("leak.png") and p.message == OUTSIDE for p in parsed.skipped), reported
    client = read_dataset(dataset, fmt, fallback_classes=["x"])  # a client reading its own folder follows links
    assert len(client.images) == len(baseline.images) + 1


def test_names_no_file_system_takes_inside_label_files_are_reported_not_raised(root: Path) -> None:
    from tests.omni_core.formats.exchange import write

    for fmt in ("labelme", "cvat", "labelstudio"):
        write(fmt, root / fmt)
    labelme = root / "labelme" / "train" / "a.json"
    document = json.loads(labelme.read_text())
    for number, name in enumerate(("a\x00.png", "n" * 300 + ".png", "../../../../../etc/passwd")):
        (labelme.parent / f"hostile{number}.json").write_text(json.dumps({**document, "imagePath": name}))
    cvat = root / "cvat" / "annotations.xml"
    cvat.write_text(cvat.read_text().replace('name="a.png"', f'name="{"n" * 300}.png"', 1))
    tasks = root / "labelstudio" / "tasks.json"
    tasks.write_text(tasks.read_text().replace("a.png", "a\\u0000" + "n" * 300 + ".png", 1))
    for fmt in ("labelme", "cvat", "labelstudio"):
        for policy in (confined(root), None):
            parsed = read_dataset(root / fmt, fmt, fallback_classes=["x"], confinement=policy)
            assert parsed.images, fmt

"""The local artifact store: atomic writes, checksums, key hygiene."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from backend.storage import LocalStore
from backend.workspace import Workspace
from omni_core.errors import InvalidArgument, NotFound


def test_put_get_stat_list_delete(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    info = store.put_bytes("models/layer_1/a.bin", b"hello")
    assert info.sha256 == hashlib.sha256(b"hello").hexdigest()
    assert info.size == 5
    assert store.get_bytes("models/layer_1/a.bin") == b"hello"
    assert store.stat("models/layer_1/a.bin").sha256 == info.sha256
    store.put_stream("models/layer_2/b.bin", io.BytesIO(b"x" * 3_000_000))
    assert [o.key for o in store.list("models/")] == ["models/layer_1/a.bin", "models/layer_2/b.bin"]
    assert [o.key for o in store.list("models/layer_2/")] == ["models/layer_2/b.bin"]
    store.delete("models/layer_1/a.bin")
    assert not store.exists("models/layer_1/a.bin")
    with pytest.raises(NotFound):
        store.get_bytes("models/layer_1/a.bin")


def test_checksum_mismatch_keeps_the_old_object_and_leaves_no_temp_file(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put_bytes("k/v.txt", b"old")
    with pytest.raises(InvalidArgument, match="checksum mismatch"):
        store.put_bytes("k/v.txt", b"new", expected_sha256="0" * 64)
    with pytest.raises(InvalidArgument, match="checksum mismatch"):
        store.put_stream("k/v.txt", io.BytesIO(b"new"), expected_sha256="0" * 64)
    assert store.get_bytes("k/v.txt") == b"old"
    assert sorted(p.name for p in (tmp_path / "k").iterdir()) == ["v.txt"]
    good = hashlib.sha256(b"new").hexdigest()
    assert store.put_stream("k/v.txt", io.BytesIO(b"new"), expected_sha256=good).sha256 == good


def test_a_failing_writer_leaves_the_previous_version(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put_bytes("a/b", b"v1")

    class Broken(io.RawIOBase):
        def __init__(self) -> None:
            self.calls = 0

        def read(self, size: int = -1) -> bytes:
            self.calls += 1
            if self.calls > 1:
                raise OSError("disk on fire")
            return b"partial"

    with pytest.raises(OSError, match="disk on fire"):
        store.put_stream("a/b", Broken())  # type: ignore[arg-type]
    assert store.get_bytes("a/b") == b"v1"
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["b"]


@pytest.mark.parametrize("key", ["", "/abs", "../up", "a/../b", "a//b", "a\\b", ".omni/jobs.sqlite3", "a/./b"])
def test_bad_keys_are_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(InvalidArgument):
        LocalStore(tmp_path).put_bytes(key, b"x")


def test_a_key_under_a_file_is_refused(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put_bytes("a", b"file")
    with pytest.raises(InvalidArgument, match="is a file"):
        store.put_bytes("a/b", b"x")


def test_workspace_is_laid_out_with_the_bucket_prefixes(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    for prefix in (
        "training-data/clean",
        "training-data/degraded",
        "models/layer_1",
        "models/layer_2",
        "models/detector",
        "training-outputs/checkpoints",
        "training-outputs/reports",
        "synthetic-data",
        "evaluation",
    ):
        assert (workspace.root / prefix).is_dir()
    workspace.store.put_bytes("evaluation/x.json", b"{}")
    assert [o.key for o in workspace.store.list()] == ["evaluation/x.json"]  # backend state stays hidden


def test_keys_walk_only_the_prefix_and_never_the_state_folder(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put_bytes("models/layer_1/v/card.json", b"{}")
    store.put_bytes("models/layer_10/v/card.json", b"{}")
    store.put_bytes("evaluation/a.json", b"{}")
    hidden = tmp_path / ".omni" / "tmp-folder"
    hidden.mkdir(parents=True)
    (hidden / "x").write_bytes(b"1")
    (tmp_path / "models" / "layer_1" / ".card.json.1.omni-partial").write_bytes(b"half")
    assert list(store.keys("models/layer_1/")) == ["models/layer_1/v/card.json"]
    assert list(store.keys("models/layer_1")) == ["models/layer_1/v/card.json", "models/layer_10/v/card.json"]
    assert list(store.keys()) == ["evaluation/a.json", "models/layer_1/v/card.json", "models/layer_10/v/card.json"]
    assert [info.key for info in store.list("evaluation/")] == ["evaluation/a.json"]

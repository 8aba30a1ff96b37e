"""Without Qt: which backends the desktop sends a folder to (rather than letting them read it in place), and
the progress and result texts of such an import, which name every refused file and label."""

from __future__ import annotations

from pathlib import Path

from desktop.client import BackendTarget
from desktop.models import ConnectionModel
from desktop.models.folder_upload import progress_fraction, progress_text, result_details, result_line
from omni_core.datasets.remote_import import ImportProgress
from omni_core.formats.model import Problem
from omni_core.formats.report import ImportReport
from protos.omni.v1 import system_pb2


def connected(address: str, *, host_paths: bool, embedded: bool = False) -> ConnectionModel:
    model = ConnectionModel()
    target = BackendTarget(address, token="t")
    model.set_connecting(target, "connecting", embedded=embedded)
    model.set_connected(target, system_pb2.SystemInfo(host_paths_allowed=host_paths))
    return model


def test_only_a_backend_on_this_machine_that_accepts_our_paths_reads_our_folders() -> None:
    assert connected("127.0.0.1:5000", host_paths=True).reads_our_folders
    assert connected("[::1]:5000", host_paths=True).reads_our_folders
    assert connected("localhost:5000", host_paths=True, embedded=True).reads_our_folders
    assert not connected("127.0.0.1:5000", host_paths=False).reads_our_folders  # confined to its workspace
    assert not connected("gpu.example.com:443", host_paths=True).reads_our_folders  # another machine
    assert not ConnectionModel().reads_our_folders  # not connected: nothing to decide with


def test_progress_reads_as_counts_and_a_fraction() -> None:
    progress = ImportProgress("parts", total=40, sent=12, added=9, already_present=2, labels_saved=9, skipped=1)
    assert progress_text(progress) == (
        "Uploading to parts: 12 of 40 images · 9 labels saved · 2 already there · 1 skipped"
    )
    assert progress_fraction(progress) == 0.3
    assert progress_text(ImportProgress("parts", total=0)) == "Uploading to parts: 0 of 0 images · 0 labels saved"
    assert progress_fraction(ImportProgress("parts", total=0)) == 1.0


def test_the_result_names_every_refused_file_and_label() -> None:
    report = ImportReport("parts", "yolo", "/data/parts", found=6, added=3, already_present=1, boxes=7)
    report.classes_added = ["hole"]
    report.skipped = [Problem("images/x.jpg", 0, "truncated image")]
    report.problems = [Problem("labels/a.txt", 2, "class id 9 is beyond the class list")]
    assert result_line(report) == (
        "parts: 3 images added with 7 boxes, 1 already there, 1 files skipped, 1 label problems; classes added: hole"
    )
    assert result_details(report).splitlines() == [
        "skipped images/x.jpg: truncated image",
        "label problem labels/a.txt:2: class id 9 is beyond the class list",
    ]
    report.cancelled = True
    assert result_line(report).endswith("— cancelled: import the folder again to send the rest")
    report.skipped = [Problem(f"f{i}.png", 0, "empty") for i in range(5)]
    assert result_details(report, limit=3).splitlines()[-1] == "… and 3 more"


def test_the_import_report_carries_the_cancel(tmp_path: Path) -> None:
    report = ImportReport("parts", "yolo", str(tmp_path), cancelled=True)
    assert report.to_json()["cancelled"] is True and "cancelled" in report.summary()

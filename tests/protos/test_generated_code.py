"""The generated Python code matches the .proto files, and both sides import it without path tricks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO


def test_generated_code_is_up_to_date() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "protos.generate", "--check"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_the_check_catches_a_stale_contract(tmp_path: Path) -> None:
    shutil.copytree(REPO / "protos", tmp_path / "protos", ignore=shutil.ignore_patterns("__pycache__"))
    proto = tmp_path / "protos" / "omni" / "v1" / "system.proto"
    proto.write_text(
        proto.read_text().replace("int64 disk_free_bytes = 21;", "int64 disk_free_bytes = 21;\n  string extra = 999;")
    )
    done = subprocess.run(
        [sys.executable, "-m", "protos.generate", "--check"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert "system_pb2.py" in done.stderr


def test_generated_modules_import_each_other_as_a_package() -> None:
    code = (
        "from protos.omni.v1 import jobs_pb2; "
        "print(jobs_pb2.JobSpec.DESCRIPTOR.fields_by_name['synth_restoration'].message_type.full_name)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "omni.v1.SynthRestorationSpec"

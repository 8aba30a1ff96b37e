"""``omni synth restoration --from DIR`` end to end: CLI -> gRPC -> job worker -> pairs on disk."""

from __future__ import annotations

import json
from pathlib import Path

from tests.clean_folder import CORRUPT, READABLE, make_clean_folder
from tests.omni_cli.test_cli import omni


def test_pairs_from_my_own_images_through_an_embedded_backend(tmp_path: Path) -> None:
    source, out = make_clean_folder(tmp_path / "my photos"), tmp_path / "pairs"
    done = omni(
        "synth", "restoration", "--from", str(source), "--domain", "document", "--crop", "48",
        "--count-per-image", "2", "--out", str(out), workspace=tmp_path / "ws",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(list((out / "degraded").glob("*.png"))) == 2 * len(READABLE)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["domain"] == "document" and manifest["params"]["crop"] == 48
    assert CORRUPT in {item["file"] for item in manifest["skipped"]}
    refused = omni("synth", "restoration", "--from", str(source), "--domain", "x-ray", "--out", str(tmp_path / "n"),
                   workspace=tmp_path / "ws")  # fmt: skip
    assert refused.returncode != 0 and "domain" in refused.stderr and "photo, document" in refused.stderr
    listed = omni("synth", "list", workspace=tmp_path / "ws")
    assert "domains (with --from): photo, document" in listed.stdout

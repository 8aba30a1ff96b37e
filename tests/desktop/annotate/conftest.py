"""Journals and settings of these tests live in the test's tmp dir, never in the user's."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("OMNI_CONFIG_DIR", str(tmp_path / "config"))

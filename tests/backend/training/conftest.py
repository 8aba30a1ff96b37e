"""Training fixtures: a few tiny synthetic pairs made by the real generator."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def pairs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve 64x64 synthetic document pairs, generated once for the module by the real generator."""
    from backend.storage import LocalStore
    from backend.synthetic.params import SynthRestorationParams, validate_restoration
    from backend.synthetic.restoration import generate_restoration
    from tests.backend.synthetic.conftest import RecordingContext

    out = tmp_path_factory.mktemp("pairs")
    params = validate_restoration(
        SynthRestorationParams(count=12, out=str(out), size=64, seed=3, degradations=("noise", "blur"))
    )
    generate_restoration(params, LocalStore(out), RecordingContext(scratch_dir=tmp_path_factory.mktemp("scratch")))
    return out

"""The Batch form's self-ensemble box: offered with the described help, ticked it reaches the job spec and a
streamed run's options; a backend that does not describe the setting gets no box to tick and nothing sent.
(A run with it, in a job and a stream, is tests/backend/batch/test_self_ensemble.py.)"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.models.batch_form_model import BatchFormModel
from desktop.qt.views.batch_form import BatchForm
from omni_core.jobkinds import RESTORE_BATCH


def test_the_box_reaches_the_spec_and_the_stream_and_is_off_for_a_backend_without_it(
    qtbot: QtBot, tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()
    model = BatchFormModel()
    form = BatchForm(model)
    qtbot.addWidget(form)
    form.show()
    model.set("input", str(tmp_path / "in"))
    model.set("out", str(tmp_path / "out"))
    box = form.self_ensemble
    assert box.isEnabled() and not box.isChecked() and "8x the time" in box.toolTip()
    assert model.spec().self_ensemble is False
    box.setChecked(True)
    assert model.fields.self_ensemble is True
    assert model.job_spec().restore_batch.self_ensemble is True
    assert model.remote_request().options.self_ensemble is True

    older = tuple(p for p in RESTORE_BATCH.params if p.name != "self_ensemble")
    model.set_description(dataclasses.replace(RESTORE_BATCH, params=older))
    assert not box.isEnabled() and not box.isChecked()
    assert model.spec().self_ensemble is False  # never sent to a backend that would not run it

"""The training form's widgets for clean-image training follow the model (no backend needed)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.models.train_form import TrainFormModel
from desktop.qt.views.train_form import TrainForm


def test_clean_images_enable_the_domain_and_paper_whitening(qtbot: QtBot) -> None:
    model = TrainFormModel()
    form = TrainForm(model)
    qtbot.addWidget(form)
    assert not form.domain.isEnabled() and not form.whiten_paper.isEnabled()
    qtbot.keyClicks(form.clean, "/scans")
    assert model.fields.clean == "/scans" and form.domain.isEnabled()
    assert not form.whiten_paper.isEnabled()  # photos keep their background
    form.domain.setCurrentIndex(form.domain.findData("document"))
    assert model.fields.domain == "document" and form.whiten_paper.isEnabled()
    form.whiten_paper.setChecked(True)
    spec = model.job_spec().train_restoration
    assert (spec.clean, spec.domain, spec.whiten_paper) == ("/scans", "document", True)

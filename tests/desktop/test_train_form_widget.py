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


def test_tier_and_teacher_reach_the_spec(qtbot: QtBot) -> None:
    model = TrainFormModel()
    form = TrainForm(model)
    qtbot.addWidget(form)
    labels = [form.tier.itemText(i) for i in range(form.tier.count())]
    assert labels == ["by layer: 1 fast, 2 quality", "fast", "quality"]  # the described choices
    qtbot.keyClicks(form.data, "/pairs")
    assert model.job_spec().train_restoration.tier == ""  # not given: the backend derives it from the layer
    form.tier.setCurrentIndex(form.tier.findData("fast"))
    qtbot.keyClicks(form.teacher, "restoration_layer2_20260101_000000")
    spec = model.job_spec().train_restoration
    assert (spec.tier, spec.teacher) == ("fast", "restoration_layer2_20260101_000000")

"""The training form's widgets for clean-image training and distillation follow the model (no backend needed)."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from desktop.models import FormInvalid
from desktop.models.train_form import TrainFormModel
from desktop.qt.views.train_form import TrainForm
from omni_core.jobkinds import TRAIN_RESTORATION
from tests.desktop.refusals import field_refusal


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


def test_the_distillation_weight_is_enabled_by_a_teacher_and_sent_with_it(qtbot: QtBot) -> None:
    model = TrainFormModel()
    form = TrainForm(model)
    qtbot.addWidget(form)
    weight = TRAIN_RESTORATION["distill_weight"]
    assert not form.distill_weight.isEnabled()  # no teacher: nothing to weigh
    assert (form.distill_weight.value(), form.distill_weight.maximum()) == (weight.default, weight.maximum)
    assert form.distill_weight.minimum() > 0  # the described range excludes 0
    qtbot.keyClicks(form.data, "/pairs")
    assert model.job_spec().train_restoration.distill_weight == 0  # without a teacher the backend refuses one
    qtbot.keyClicks(form.teacher, "restoration_layer2_20260101_000000")
    assert form.distill_weight.isEnabled()
    assert model.job_spec().train_restoration.distill_weight == weight.default  # the described default
    form.distill_weight.setValue(0.3)
    spec = model.job_spec().train_restoration
    assert (spec.teacher, spec.distill_weight) == ("restoration_layer2_20260101_000000", 0.3)
    form.teacher.clear()
    qtbot.keyClicks(form.teacher, " ")  # a blank teacher is none
    assert not form.distill_weight.isEnabled() and model.job_spec().train_restoration.distill_weight == 0


def test_a_bad_distillation_weight_shows_beside_its_field(qtbot: QtBot) -> None:
    model = TrainFormModel()
    form = TrainForm(model)
    qtbot.addWidget(form)
    form.show()
    model.set("data", "/pairs")
    model.set("distill_weight", 1.5)  # past the widget's range (a value a check or the server refuses)
    assert model.validate() == {}  # no teacher: the weight is neither checked nor sent
    model.set("teacher", "restoration_layer2_20260101_000000")
    with pytest.raises(FormInvalid):
        model.job_spec()
    assert model.errors == {"distill_weight": "must be in (0, 1], got 1.5"}
    assert form.errors["distill_weight"].isVisible() and "(0, 1]" in form.errors["distill_weight"].text()
    model.set("distill_weight", 0.75)  # editing clears it
    assert not form.errors["distill_weight"].isVisible()
    model.apply_server_error(field_refusal("spec.train_restoration.distill_weight", "applies only with a teacher"))
    assert form.errors["distill_weight"].text() == "applies only with a teacher"

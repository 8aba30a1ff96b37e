"""The Train view's "Where to train" box: this backend, or AWS SageMaker with instance type, Spot, limits, role
and region; "Plan and estimate cost" shows the SageMaker job it would create and what it may cost. A thin widget
over ``CloudTargetModel``."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.models.cloud_target import TARGETS, CloudTargetModel
from desktop.qt.widgets.common import form_layout, muted_label

MAX_HOURS = 672.0  # SageMaker's own ceiling: 28 days


def _hours(default_text: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(0.0, MAX_HOURS)
    box.setDecimals(2)
    box.setSuffix(" h")
    box.setSpecialValueText(default_text)  # shown at 0: the backend's default
    return box


class CloudTargetBox(QGroupBox):
    def __init__(self, model: CloudTargetModel, parent: QWidget | None = None) -> None:
        super().__init__("Where to train", parent)
        self.model = model
        self.target = QComboBox()
        for key, text in TARGETS:
            self.target.addItem(text, key)
        self.instance_type = QComboBox()
        self.instance_type.setEditable(True)
        self.instance_type.setPlaceholderText("default: ml.g4dn.xlarge")
        self.spot = QCheckBox("Spot capacity")
        self.spot.setToolTip("Cheaper; an interruption resumes from the last checkpoint")
        self.max_run = _hours("default (4 h)")
        self.max_wait = _hours("default (5 h)")
        self.role = QLineEdit()
        self.role.setPlaceholderText("default: the backend's role")
        self.role.setToolTip("an IAM role ARN: arn:aws:iam::ACCOUNT:role/NAME")
        self.region = QLineEdit()
        self.region.setPlaceholderText("default: the remote's region")
        self.plan_button = QPushButton("Plan and estimate cost")
        self.estimate = muted_label()
        self.estimate.setWordWrap(True)

        fields = QWidget()
        rows = form_layout()
        rows.setContentsMargins(0, 0, 0, 0)
        rows.addRow("Instance type", self.instance_type)
        rows.addRow("", self.spot)
        rows.addRow("Max run", self.max_run)
        rows.addRow("Max wait", self.max_wait)
        rows.addRow("Role", self.role)
        rows.addRow("Region", self.region)
        rows.addRow("", self.plan_button)
        fields.setLayout(rows)
        self.details = QWidget()  # shown for SageMaker only
        details = QVBoxLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        details.addWidget(fields)
        details.addWidget(self.estimate)  # full width: the plan's job name and the cost sentence wrap here
        layout = QVBoxLayout(self)
        layout.addWidget(self.target)
        layout.addWidget(self.details)

        self._show(model)
        self.target.currentIndexChanged.connect(lambda _i: model.set("target", str(self.target.currentData())))
        self.instance_type.currentTextChanged.connect(lambda text: model.set("instance_type", text.strip()))
        self.spot.toggled.connect(lambda on: model.set("spot", bool(on)))
        self.max_run.valueChanged.connect(lambda value: model.set("max_run_hours", float(value)))
        self.max_wait.valueChanged.connect(lambda value: model.set("max_wait_hours", float(value)))
        self.role.textEdited.connect(lambda text: model.set("role", text))
        self.region.textEdited.connect(lambda text: model.set("region", text))
        model.changed.connect(lambda: self._refresh(model))
        self._refresh(model)

    def _show(self, model: CloudTargetModel) -> None:
        """The remembered choices, into the widgets (once, before they report changes)."""
        f = model.fields
        self.target.setCurrentIndex(max(0, self.target.findData(f.target)))
        self.instance_type.setEditText(f.instance_type)
        self.spot.setChecked(f.spot)
        self.max_run.setValue(f.max_run_hours)
        self.max_wait.setValue(f.max_wait_hours)
        self.role.setText(f.role)
        self.region.setText(f.region)

    def _refresh(self, model: CloudTargetModel) -> None:
        self.details.setVisible(model.on_sagemaker)
        self.max_wait.setEnabled(model.fields.spot)
        if model.instance_types and self.instance_type.count() != len(model.instance_types):
            current = self.instance_type.currentText()
            self.instance_type.blockSignals(True)
            self.instance_type.clear()
            self.instance_type.addItems(model.instance_types)
            self.instance_type.setEditText(current)
            self.instance_type.blockSignals(False)
        self.estimate.setText(model.estimate)

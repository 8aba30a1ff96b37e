"""The training parameters as widgets, bound to ``TrainFormModel`` fields by name.

Each field has an error line under it. Widgets write the model on every edit; ``load()`` writes the model
back into the widgets where they differ, so typing is never disturbed.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QLocale, QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from desktop.models.train_form import TrainFormModel, distills, fine_tunes, layer_choices, tier_choices
from desktop.qt.theme import set_invalid
from desktop.qt.widgets.common import error_label, form_layout
from desktop.qt.widgets.described import apply_range, fill_combo
from omni_core.jobkinds import JobKind

LR_PATTERN = r"[0-9]*\.?[0-9]*([eE][-+]?[0-9]{0,3})?"


def parse_lr(text: str) -> float:
    """The learning rate typed, or NaN (which the model reports as "enter a number")."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def _spin(*, step: int = 1) -> QSpinBox:
    """A spin box whose range comes from a described parameter (``apply_range`` in ``load``)."""
    spin = QSpinBox()
    spin.setSingleStep(step)
    spin.setGroupSeparatorShown(True)
    return spin


def _choices(kind: JobKind, name: str) -> list[tuple[str, object]]:
    return [(choice, choice) for choice in kind[name].choices]


def _combo(items: list[tuple[str, object]]) -> QComboBox:
    """A combo box as narrow as 12 characters at least (it grows with the column; a wider hint would set the
    form's narrowest width, and the column clips rather than scrolls sideways)."""
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(12)
    for text, value in items:
        combo.addItem(text, value)
    return combo


class TrainForm(QWidget):
    """The form. ``widgets[name]`` is the input of field ``name`` and ``errors[name]`` its error line."""

    def __init__(self, model: TrainFormModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.form = form_layout()
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}

        self.data = QLineEdit()
        self.data.setPlaceholderText("folder with clean/ and degraded/")
        self.data.setToolTip(
            "The folder as the backend sees it: with clean/ and degraded/ images of the same names. A relative "
            "path is inside the backend's workspace; an absolute one is used as-is (a backend on this machine)."
        )
        self.data.textEdited.connect(lambda text: model.set("data", text))
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        data_row = QWidget()
        data_layout = QHBoxLayout(data_row)
        data_layout.setContentsMargins(0, 0, 0, 0)
        data_layout.addWidget(self.data, 1)
        data_layout.addWidget(self.browse)
        self._add("data", "Data folder", data_row, focus=self.data)
        self._add_clean_rows(model)

        self.layer = _combo(list(layer_choices(model.kind)))
        self.layer.currentIndexChanged.connect(lambda _: model.set("layer", self.layer.currentData()))
        self._add("layer", "Network", self.layer)
        self.preset = _combo(_choices(model.kind, "preset"))
        self.preset.setToolTip(
            "The network's size: tiny and mini train in minutes on a CPU (mini: same speed, more capacity), "
            "base wants a GPU; auto (layer 1, fast tier) measures this CPU and takes the largest network that "
            "restores at the fast tier's speed."
        )
        self.preset.currentIndexChanged.connect(lambda _: model.set("preset", self.preset.currentData()))
        self._add("preset", "Preset", self.preset)
        self.tier = _combo(list(tier_choices(model.kind)))
        self.tier.setToolTip(
            "The tier the new version belongs to: promoting it makes it the current of its tier, which "
            "restore --tier picks."
        )
        self.tier.currentIndexChanged.connect(lambda _: model.set("tier", self.tier.currentData()))
        self._add("tier", "Tier", self.tier)
        self.teacher = self._version_field(
            "teacher",
            "Teacher",
            "none, or a restoration version to distil from",
            "Knowledge distillation: the network also learns this registered version's outputs (e.g. a small fast "
            "network taught by the quality one).",
        )
        self.distill_weight = QDoubleSpinBox()  # its range, default and tooltip: the described distill_weight
        self.distill_weight.setDecimals(2)
        self.distill_weight.setSingleStep(0.05)
        self.distill_weight.valueChanged.connect(lambda value: model.set("distill_weight", round(value, 4)))
        self._add("distill_weight", "Distillation weight", self.distill_weight)
        self.start_from = self._version_field(
            "start_from",
            "Start from",
            "random weights, or a restoration version to fine-tune",
            "Fine-tuning: the run starts from this registered version's weights and keeps its network (layer and "
            "preset), e.g. a document model taught your own scans; the version becomes the new one's parent.",
        )

        self.epochs = _spin()
        self.epochs.valueChanged.connect(lambda value: model.set("epochs", value))
        self._add("epochs", "Epochs", self.epochs)
        self.batch_size = _spin()
        self.batch_size.valueChanged.connect(lambda value: model.set("batch_size", value))
        self._add("batch_size", "Batch size", self.batch_size)
        self.lr = QLineEdit()
        self.lr.setValidator(QRegularExpressionValidator(QRegularExpression(LR_PATTERN)))
        self.lr.setToolTip("The peak learning rate (AdamW, cosine decay), e.g. 1e-4 or 0.0002.")
        self.lr.textEdited.connect(lambda text: model.set("lr", parse_lr(text)))
        self._add("lr", "Learning rate", self.lr)
        self.patch = _spin(step=16)
        self.patch.setToolTip("Side of the random crops the network trains on.")
        self.patch.valueChanged.connect(lambda value: model.set("patch", value))
        self._add("patch", "Patch", self.patch)
        self.val_split = QDoubleSpinBox()
        self.val_split.setSingleStep(0.05)
        self.val_split.setDecimals(2)
        self.val_split.setToolTip("The share of pairs kept aside to validate each epoch.")
        self.val_split.valueChanged.connect(lambda value: model.set("val_split", round(value, 4)))
        self._add("val_split", "Validation share", self.val_split)
        self.max_pairs = _spin(step=100)
        self.max_pairs.valueChanged.connect(lambda value: model.set("max_pairs", value))
        self._add("max_pairs", "Max pairs", self.max_pairs)
        self.device = _combo(_choices(model.kind, "device"))
        self.device.setToolTip("auto = CUDA when the backend has a GPU, else CPU.")
        self.device.currentIndexChanged.connect(lambda _: model.set("device", self.device.currentData()))
        self._add("device", "Device", self.device)
        self.loss = _combo(_choices(model.kind, "loss"))
        self.loss.setToolTip(
            "charbonnier: a smooth L1 on pixels. charbonnier+ssim adds a structural term (1 - SSIM): "
            "cleaner flat areas and sharper strokes, at a small cost in speed."
        )
        self.loss.currentIndexChanged.connect(lambda _: model.set("loss", self.loss.currentData()))
        self._add("loss", "Loss", self.loss)
        self.seed = QLineEdit()
        self.seed.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,19}")))
        self.seed.setToolTip("The same seed, data and parameters give the same split and crops.")
        self.seed.textEdited.connect(lambda text: model.set("seed", int(text) if text else 0))
        self._add("seed", "Seed", self.seed)
        self.max_minutes = QDoubleSpinBox()
        self.max_minutes.setDecimals(1)
        self.max_minutes.setSingleStep(5.0)
        self.max_minutes.setToolTip("Stop training after this long, then validate and register the model.")
        self.max_minutes.valueChanged.connect(lambda value: model.set("max_minutes", value))
        self._add("max_minutes", "Time budget", self.max_minutes)

        self.setLayout(self.form)
        model.changed.connect(self.load)
        model.errors_changed.connect(self.show_errors)
        self.load()

    def _add_clean_rows(self, model: TrainFormModel) -> None:
        """Training from clean images alone: the folder, the domain's degradation preset, paper whitening."""
        self.clean = QLineEdit()
        self.clean.setPlaceholderText("or: a folder of clean photos or scans, degraded afresh every epoch")
        self.clean.setToolTip(
            "Any format and size. Random crops are degraded by the domain's realistic preset every epoch, "
            "reproducibly from the seed; nothing is written. Leave the data folder empty."
        )
        self.clean.textEdited.connect(lambda text: model.set("clean", text))
        self.browse_clean = QPushButton("Browse…")
        self.browse_clean.clicked.connect(self._browse_clean)
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.clean, 1)
        layout.addWidget(self.browse_clean)
        self._add("clean", "Clean images", row, focus=self.clean)
        self.domain = _combo(_choices(model.kind, "domain"))
        self.domain.currentIndexChanged.connect(lambda _: model.set("domain", self.domain.currentData()))
        self._add("domain", "Domain", self.domain)
        # a short text: the form's narrowest width is its longest row (the column scrolls down only)
        self.whiten_paper = QCheckBox("Make the paper white")
        self.whiten_paper.setToolTip("Documents: train the network to make the paper white (default: keep its tone).")
        self.whiten_paper.toggled.connect(lambda checked: model.set("whiten_paper", checked))
        self._add("whiten_paper", "", self.whiten_paper)

    def _browse_clean(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Clean images", self.clean.text())
        if path:
            self.model.set("clean", path)

    def _version_field(self, name: str, label: str, placeholder: str, tooltip: str) -> QLineEdit:
        """A row where a registered model version is typed, for the field ``name``."""
        field = QLineEdit()
        field.setPlaceholderText(placeholder)
        field.setToolTip(tooltip)
        field.textEdited.connect(lambda text: self.model.set(name, text))
        self._add(name, label, field)
        return field

    def _add(self, name: str, label: str, widget: QWidget, *, focus: QWidget | None = None) -> None:
        """A row for ``widget`` and, under it, a row for its error (hidden while there is none).

        The error is a row of its own rather than part of the field's cell: QFormLayout sizes a wrapped
        label right only when the label is the row's field itself.
        """
        widget.setSizePolicy(QSizePolicy.Policy.Expanding, widget.sizePolicy().verticalPolicy())
        self.form.addRow(label, widget)
        error = error_label()
        error.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.form.addRow("", error)
        self.form.setRowVisible(error, False)
        self.widgets[name] = focus or widget
        self.errors[name] = error

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Training data (with clean/ and degraded/)", self.data.text())
        if path:
            self.model.set("data", path)

    # -- model -> widgets -----------------------------------------------------------------------------

    def load(self) -> None:
        f, kind = self.model.fields, self.model.kind
        fill_combo(self.layer, list(layer_choices(kind)))
        fill_combo(self.tier, list(tier_choices(kind)))
        for combo, name in (
            (self.preset, "preset"),
            (self.device, "device"),
            (self.loss, "loss"),
            (self.domain, "domain"),
        ):
            fill_combo(combo, _choices(kind, name))
        for spin, name in (
            (self.epochs, "epochs"),
            (self.batch_size, "batch_size"),
            (self.patch, "patch"),
            (self.max_pairs, "max_pairs"),
            (self.val_split, "val_split"),
            (self.max_minutes, "max_minutes"),
        ):
            apply_range(spin, kind[name])
        if "distill_weight" in kind.names():  # a backend older than distillation has none
            apply_range(self.distill_weight, kind["distill_weight"])
        _set_text(self.data, f.data)
        _set_text(self.clean, f.clean)
        _set_combo(self.domain, f.domain)
        if self.whiten_paper.isChecked() != f.whiten_paper:
            self.whiten_paper.blockSignals(True)
            self.whiten_paper.setChecked(f.whiten_paper)
            self.whiten_paper.blockSignals(False)
        from_clean = bool(f.clean.strip())
        self.domain.setEnabled(from_clean)
        self.whiten_paper.setEnabled(from_clean and f.domain == "document")
        _set_combo(self.layer, f.layer)
        _set_combo(self.preset, f.preset)
        _set_text(self.start_from, f.start_from)
        tunes = fine_tunes(f, kind)
        self.layer.setEnabled(not tunes)  # a fine-tuning run keeps its starting version's network
        self.preset.setEnabled(not tunes)
        _set_combo(self.tier, f.tier)
        _set_text(self.teacher, f.teacher)
        _set_spin(self.distill_weight, f.distill_weight)
        self.distill_weight.setEnabled(distills(f, kind))  # the weight means nothing without a teacher
        _set_combo(self.device, f.device)
        _set_combo(self.loss, f.loss)
        for spin, value in (
            (self.epochs, f.epochs),
            (self.batch_size, f.batch_size),
            (self.patch, f.patch),
            (self.max_pairs, f.max_pairs),
            (self.val_split, f.val_split),
            (self.max_minutes, f.max_minutes),
        ):
            _set_spin(spin, value)
        if parse_lr(self.lr.text()) != f.lr and not (math.isnan(f.lr) and self.lr.text()):
            self.lr.setText(QLocale.c().toString(f.lr, "g", 6))
        _set_text(self.seed, str(f.seed))

    def show_errors(self) -> None:
        for name, label in self.errors.items():
            message = self.model.errors.get(name, "")
            label.setText(message)
            self.form.setRowVisible(label, bool(message))
            set_invalid(self.widgets[name], bool(message))


def _set_spin(widget: QSpinBox | QDoubleSpinBox, value: float) -> None:
    if widget.value() != value:
        widget.blockSignals(True)
        widget.setValue(value)  # type: ignore[arg-type]
        widget.blockSignals(False)


def _set_combo(widget: QComboBox, value: object) -> None:
    index = widget.findData(value)
    if index >= 0 and index != widget.currentIndex():
        widget.blockSignals(True)
        widget.setCurrentIndex(index)
        widget.blockSignals(False)


def _set_text(widget: QLineEdit, text: str) -> None:
    if widget.text() != text:
        widget.setText(text)
        widget.setCursorPosition(0)

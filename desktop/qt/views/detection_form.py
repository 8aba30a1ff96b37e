"""The detection training parameters as widgets, bound to ``DetectionFormModel`` fields by name (the same
pattern as ``TrainForm``: widgets write the model on every edit, ``load()`` writes it back where it differs)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QWidget

from desktop.models.detection_form import DetectionFormModel, preset_choices
from desktop.qt.theme import set_invalid
from desktop.qt.views.train_form import _combo, _set_combo, _set_spin, _set_text, _spin
from desktop.qt.widgets.common import error_label, form_layout
from desktop.qt.widgets.described import apply_range, fill_combo

SOURCE_ITEMS = (("A dataset of the backend", "dataset"), ("A YOLO data.yaml", "data"))


def _editable_combo(items: tuple[str, ...], tooltip: str) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(list(items))
    combo.setToolTip(tooltip)
    return combo


class DetectionForm(QWidget):
    """``widgets[name]`` is the input of field ``name`` and ``errors[name]`` its error line."""

    def __init__(self, model: DetectionFormModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.form = form_layout()
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}

        self.source = _combo(list(SOURCE_ITEMS))
        self.source.currentIndexChanged.connect(lambda _: model.set("source", self.source.currentData()))
        self._add("source", "Train on", self.source)
        self.dataset = QComboBox()
        self.dataset.setEditable(True)
        self.dataset.setToolTip("Exported to YOLO with a deterministic split (the images marked done)")
        self.dataset.currentTextChanged.connect(lambda text: model.set("dataset", text))
        self._add("dataset", "Dataset", self.dataset)
        self.data = QLineEdit()
        self.data.setPlaceholderText("data.yaml as the backend sees it")
        self.data.textEdited.connect(lambda text: model.set("data", text))
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        data_row = self.data_row = QWidget()
        data_layout = QHBoxLayout(data_row)
        data_layout.setContentsMargins(0, 0, 0, 0)
        data_layout.addWidget(self.data, 1)
        data_layout.addWidget(self.browse)
        self._add("data", "data.yaml", data_row, focus=self.data)

        self.model_box = _editable_combo(
            model.kind["model"].suggestions,
            "yolo11n.yaml / yolo11s.yaml start from scratch; type a local .pt or a detector version to fine-tune it",
        )
        self.model_box.currentTextChanged.connect(lambda text: model.set("model", text))
        self._add("model", "Model", self.model_box)
        self.epochs = _spin()
        self.epochs.valueChanged.connect(lambda value: model.set("epochs", value))
        self._add("epochs", "Epochs", self.epochs)
        self.imgsz = _spin(step=32)
        self.imgsz.setToolTip("Training image size (a multiple of 32)")
        self.imgsz.valueChanged.connect(lambda value: model.set("imgsz", value))
        self._add("imgsz", "Image size", self.imgsz)
        self.batch = _spin()
        self.batch.valueChanged.connect(lambda value: model.set("batch", value))
        self._add("batch", "Batch", self.batch)
        self.device = _editable_combo(
            model.kind["device"].suggestions, "auto = CUDA when the backend has a GPU; also cuda:N or a GPU number"
        )
        self.device.currentTextChanged.connect(lambda text: model.set("device", text))
        self._add("device", "Device", self.device)
        self.preset = _combo(preset_choices(model.kind))
        self.preset.setToolTip(
            "Few photos: hsv 0.015/0.7/0.4, degrees 20, translate 0.2, scale 0.9, shear 5, "
            "flips 0.5, mosaic 1.0, mixup 0.15"
        )
        self.preset.currentIndexChanged.connect(lambda _: model.set("preset", self.preset.currentData()))
        self._add("preset", "Augmentation", self.preset)

        self.setLayout(self.form)
        model.changed.connect(self.load)
        model.errors_changed.connect(self.show_errors)
        self.load()

    def _add(self, name: str, label: str, widget: QWidget, *, focus: QWidget | None = None) -> None:
        widget.setSizePolicy(QSizePolicy.Policy.Expanding, widget.sizePolicy().verticalPolicy())
        self.form.addRow(label, widget)
        error = error_label()
        error.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.form.addRow("", error)
        self.form.setRowVisible(error, False)
        self.widgets[name] = focus or widget
        self.errors[name] = error

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "YOLO data.yaml", self.data.text(), "YAML (*.yaml *.yml)")
        if path:
            self.model.set("data", path)

    # -- model -> widgets -----------------------------------------------------------------------------

    def load(self) -> None:
        f, kind = self.model.fields, self.model.kind
        fill_combo(self.preset, preset_choices(kind))
        for spin, name in ((self.epochs, "epochs"), (self.imgsz, "imgsz"), (self.batch, "batch")):
            apply_range(spin, kind[name])
        _set_combo(self.source, f.source)
        by_dataset = f.source == "dataset"
        self.form.setRowVisible(self.dataset, by_dataset)
        self.form.setRowVisible(self.data_row, not by_dataset)
        names = [self.dataset.itemText(i) for i in range(self.dataset.count())]
        if names != self.model.datasets:
            self.dataset.blockSignals(True)
            self.dataset.clear()
            self.dataset.addItems(self.model.datasets)
            self.dataset.blockSignals(False)
        _set_combo_text(self.dataset, f.dataset)
        _set_text(self.data, f.data)
        _set_combo_text(self.model_box, f.model)
        _set_combo_text(self.device, f.device)
        _set_combo(self.preset, f.preset)
        for spin, value in ((self.epochs, f.epochs), (self.imgsz, f.imgsz), (self.batch, f.batch)):
            _set_spin(spin, value)

    def show_errors(self) -> None:
        for name, label in self.errors.items():
            message = self.model.errors.get(name, "")
            label.setText(message)
            self.form.setRowVisible(label, bool(message))
            set_invalid(self.widgets[name], bool(message))


def _set_combo_text(widget: QComboBox, text: str) -> None:
    if widget.currentText() != text:
        widget.blockSignals(True)
        widget.setCurrentText(text)
        widget.blockSignals(False)

"""The Batch view's restore form: the widgets of ``BatchFormModel``, each writing its field back on change, with
errors beside them; the tile box speaks the form's language (auto, whole images, N px). Ranges and choices are the
model's description of ``restore_batch``, re-applied when a backend's arrives."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.models.batch_form_model import (
    FORM_AUTO_TILE,
    OVERLAP_IN_FORM,
    BatchFormModel,
    ModelChoice,
    in_form,
    model_choices,
)
from desktop.qt.theme import set_invalid
from desktop.qt.widgets.common import error_label, form_layout
from desktop.qt.widgets.described import apply_range, fill_combo
from omni_core.jobkinds import RESTORE_BATCH, ParamSpec
from omni_core.jobkinds.spec import INT32_MAX
from protos.omni.v1 import models_pb2

#: how the precision box names the described choices (auto, and any it does not know, show as they are)
PRECISION_NAMES = {"fp32": "FP32", "fp16": "FP16", "int8": "INT8"}


class FolderField(QWidget):
    """A path line edit with a Browse… button."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("/path/to/folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(browse)

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.caption, self.edit.text())
        if chosen:
            self.edit.setText(chosen)


class BatchForm(QGroupBox):
    """The widgets of ``BatchFormModel``: each writes its field back on change; errors show beside them."""

    def __init__(self, model: BatchFormModel, parent: QWidget | None = None) -> None:
        super().__init__("Restore a folder", parent)
        self.model = model
        self.input = FolderField("Input folder")
        self.out = FolderField("Output folder")
        self.models = QComboBox()
        self.models.setMinimumContentsLength(24)
        self.refresh_models = QPushButton("↻")
        self.refresh_models.setToolTip("Reload the registered restoration models")
        self.recursive = QCheckBox("Include subfolders (--recursive)")
        self.tile = TileSpinBox()
        self.overlap = QSpinBox()
        self.overlap.setSuffix(" px")
        self.format = QComboBox()
        self.quality = QSpinBox()
        self.precision = QComboBox()  # the described choices; its tooltip the described help
        self.self_ensemble = QCheckBox("Average 8 flips and turns, about 8x the time (--self-ensemble)")
        self.overwrite = QCheckBox("Redo outputs that already exist (no resume)")
        self.stream = QCheckBox("Stream the images from this machine (--remote)")
        self.stream.setToolTip(
            "Read the images here, send them to the backend and write the results here.\n"
            "Always so for a backend on another machine."
        )
        self.load_description()
        self.set_models([])

        self.error_labels: dict[str, QLabel] = {}
        form = form_layout()
        model_row = QHBoxLayout()
        model_row.addWidget(self.models, 1)
        model_row.addWidget(self.refresh_models)
        rows: list[tuple[str, str, QWidget | QHBoxLayout]] = [
            ("Input", "input", self.input),
            ("Output", "out", self.out),
            ("Model", "model", model_row),
            ("", "recursive", self.recursive),
            ("Tile", "tile", self.tile),
            ("Overlap", "overlap", self.overlap),
            ("Format", "format", self.format),
            ("Quality", "quality", self.quality),
            ("Precision", "precision", self.precision),
            ("", "self_ensemble", self.self_ensemble),
            ("", "overwrite", self.overwrite),
            ("", "stream", self.stream),
        ]
        for label, name, widget in rows:
            column = QVBoxLayout()
            column.setSpacing(2)
            if isinstance(widget, QHBoxLayout):
                column.addLayout(widget)
            else:
                column.addWidget(widget)
            error = error_label()
            self.error_labels[name] = error
            column.addWidget(error)
            form.addRow(label, column)
        self.setLayout(form)

        self.input.edit.textChanged.connect(lambda text: model.set("input", text))
        self.out.edit.textChanged.connect(lambda text: model.set("out", text))
        self.models.currentIndexChanged.connect(self._model_chosen)
        self.recursive.toggled.connect(lambda on: model.set("recursive", on))
        self.tile.valueChanged.connect(lambda value: model.set("tile", value))
        self.overlap.valueChanged.connect(lambda value: model.set("overlap", value))
        self.format.currentIndexChanged.connect(lambda _: model.set("format", self.format.currentData()))
        self.quality.valueChanged.connect(lambda value: model.set("quality", value))
        self.precision.currentIndexChanged.connect(lambda _: model.set("precision", self.precision.currentData()))
        self.self_ensemble.toggled.connect(lambda on: model.set("self_ensemble", on))
        self.overwrite.toggled.connect(lambda on: model.set("overwrite", on))
        self.stream.toggled.connect(lambda on: model.set("stream", on))
        model.changed.connect(self._show_stream)
        model.described.connect(self.load_description)
        self.format.currentIndexChanged.connect(self._quality_enabled)
        model.errors_changed.connect(self._show_errors)
        self._quality_enabled()
        self._show_stream()

    def load_description(self) -> None:
        """The described ranges and choices, then the fields' values (the defaults of the fields not edited)."""
        kind, f = self.model.kind, self.model.fields
        self.tile.set_param(kind["tile"])
        overlap = kind["overlap"]
        none = next((m for v, m in overlap.specials if isinstance(v, int) and in_form(OVERLAP_IN_FORM, v) == 0), "none")
        high = min(overlap.maximum if overlap.maximum is not None else INT32_MAX, self.tile.maximum() // 2)
        self.overlap.setRange(0, int(high))
        self.overlap.setSpecialValueText(none)
        apply_range(self.quality, kind["quality"])
        fill_combo(self.format, [("same as input" if n == "same" else n.upper(), n) for n in kind["format"].choices])
        for spin, value in ((self.tile, f.tile), (self.overlap, f.overlap), (self.quality, f.quality)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        self.format.blockSignals(True)
        self.format.setCurrentIndex(max(self.format.findData(f.format), 0))
        self.format.blockSignals(False)
        self._quality_enabled()
        self._load_precision()
        self._load_self_ensemble()

    def _load_precision(self) -> None:
        """The described precisions (none from a backend older than them: the box is off, nothing is sent)."""
        kind, chosen = self.model.kind, self.model.fields.precision
        param = kind["precision"] if "precision" in kind.names() else None
        fill_combo(self.precision, [(PRECISION_NAMES.get(c, c), c) for c in param.choices] if param else [])
        self.precision.setEnabled(param is not None)
        if param is not None:
            self.precision.setToolTip(param.help[:1].upper() + param.help[1:] + ".")
        self.precision.blockSignals(True)
        self.precision.setCurrentIndex(max(self.precision.findData(chosen), 0))
        self.precision.blockSignals(False)

    def _load_self_ensemble(self) -> None:
        """Offered when the backend describes it (one older than the setting has no such box to tick)."""
        kind = self.model.kind
        described = "self_ensemble" in kind.names()
        self.self_ensemble.setEnabled(described)
        if described:
            help = kind["self_ensemble"].help
            self.self_ensemble.setToolTip(help[:1].upper() + help[1:] + ".")
        self.self_ensemble.blockSignals(True)
        self.self_ensemble.setChecked(described and self.model.fields.self_ensemble)
        self.self_ensemble.blockSignals(False)

    def set_models(self, versions: list[models_pb2.ModelVersion]) -> None:
        """Offer "current" of each layer and of each tier, and every version; keep the choice if it is still there."""
        current = self.models.currentData()
        self.models.blockSignals(True)
        self.models.clear()
        for choice in model_choices(versions, self.model.tiers()):
            self.models.addItem(choice.label, choice)
        index = next(
            (i for i in range(self.models.count()) if current is not None and self.models.itemData(i) == current), 0
        )
        self.models.setCurrentIndex(index)
        self.models.blockSignals(False)
        self._model_chosen()

    def choose_model(self, version: str) -> bool:
        for index in range(self.models.count()):
            choice = self.models.itemData(index)
            if isinstance(choice, ModelChoice) and choice.model == version:
                self.models.setCurrentIndex(index)
                return True
        return False

    def _model_chosen(self) -> None:
        choice = self.models.currentData()
        if isinstance(choice, ModelChoice):
            self.model.choose_model(choice)

    def _show_stream(self) -> None:
        """Checked and locked for a remote backend (it cannot read our folders); the user's choice otherwise."""
        self.stream.blockSignals(True)
        self.stream.setChecked(self.model.streamed)
        self.stream.setEnabled(not self.model.backend_remote)
        self.stream.blockSignals(False)

    def _quality_enabled(self) -> None:
        self.quality.setEnabled(self.format.currentData() in ("jpg", "webp", "same"))

    def _show_errors(self) -> None:
        for name, label in self.error_labels.items():
            message = self.model.errors.get(name, "")
            label.setText(message)
            label.setVisible(bool(message))
        widgets: dict[str, QWidget] = {"input": self.input.edit, "out": self.out.edit, "tile": self.tile}
        widgets |= {"overlap": self.overlap, "quality": self.quality, "precision": self.precision}
        for name, widget in widgets.items():
            set_invalid(widget, name in self.model.errors)


class TileSpinBox(QSpinBox):
    """The tile side: "auto" (the backend's memory-based plan, the default), "whole images" (0), or N px."""

    NAMES = {FORM_AUTO_TILE: "auto", 0: "whole images"}

    def __init__(self, param: ParamSpec = RESTORE_BATCH["tile"]) -> None:
        super().__init__()
        self.smallest = param.int_min  # the smallest tile side, and the step
        self.setToolTip("auto: tiles as large as the backend's free memory holds for the model; whole images: no tiles")
        self.set_param(param)

    def set_param(self, param: ParamSpec) -> None:
        """The described tile sides: auto, whole images, then ``minimum``..``maximum`` px by steps of ``minimum``."""
        self.smallest = param.int_min
        self.setSingleStep(self.smallest)
        self.blockSignals(True)
        self.setRange(FORM_AUTO_TILE, param.int_max)
        self.blockSignals(False)

    def textFromValue(self, value: int) -> str:
        return self.NAMES.get(value, f"{value} px")

    def _wider(self, hint: QSize) -> QSize:
        """``hint`` wide enough for "whole images" too (Qt sizes a spin box by the texts of its minimum and maximum
        only, and "whole images" is neither)."""
        metrics = self.fontMetrics()
        widest = max(metrics.horizontalAdvance(self.textFromValue(v)) for v in (self.minimum(), self.maximum()))
        names = max(metrics.horizontalAdvance(name) for name in self.NAMES.values())
        return QSize(hint.width() + max(0, names - widest), hint.height())

    def sizeHint(self) -> QSize:
        return self._wider(super().sizeHint())

    def minimumSizeHint(self) -> QSize:
        return self._wider(super().minimumSizeHint())

    def valueFromText(self, text: str) -> int:
        for value, name in self.NAMES.items():
            if text.strip() and name.startswith(text.strip()):
                return value
        digits = "".join(ch for ch in text if ch.isdigit())
        return int(digits) if digits else FORM_AUTO_TILE

    def stepBy(self, steps: int) -> None:
        """auto -> whole images -> 64 px -> 128 px ... and back (a plain step would go from -1 to 63)."""
        value = self.value()
        for _ in range(abs(steps)):
            if steps > 0:
                step = self.smallest
                value = 0 if value == FORM_AUTO_TILE else step if value == 0 else min(self.maximum(), value + step)
            else:
                value = FORM_AUTO_TILE if value == 0 else 0 if value <= self.smallest else value - self.smallest
        self.setValue(value)

"""The input widgets of one synthetic-data form, bound to ``SynthFormModel`` fields by name.

Each field is a widget with an error line under it. Widgets write the model on every edit; ``load()``
writes the model back into the widgets (only where they differ, so typing is never disturbed).
"""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.models.synth_form import Degradation, Kind, SynthFormModel
from desktop.qt.theme import set_invalid
from desktop.qt.widgets.common import error_label, form_layout, muted_label
from desktop.qt.widgets.described import apply_range

DEGRADATION_COLUMNS = 3


def checkbox_grid() -> QWidget:
    box = QWidget()
    grid = QGridLayout(box)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setHorizontalSpacing(12)
    grid.setVerticalSpacing(4)
    return box


class FieldSet:
    """The widgets of ``kind``'s form, in a QFormLayout (``self.form``)."""

    def __init__(self, model: SynthFormModel, kind: Kind) -> None:
        self.model = model
        self.kind = kind
        self.form: QFormLayout = form_layout()
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.degradation_boxes: list[QCheckBox] = []
        self._grid_buttons: list[QPushButton] = []

        self.count = QSpinBox()
        self.count.setRange(1, model.parameters[kind]["count"].int_max)
        self.count.setSingleStep(100)
        self.count.setGroupSeparatorShown(True)
        self.count.setSuffix(" pairs" if kind == "restoration" else " images")
        self.count.valueChanged.connect(lambda value: self._set("count", value))
        self.add_widget_row("count", "Count", self.count)

        self.out = QLineEdit()
        self.out.setToolTip(
            "The folder as the backend sees it. A relative path goes into the backend's workspace; "
            "an absolute path is used as-is (fine for a backend on this machine)."
        )
        self.out.textEdited.connect(lambda text: self._set("out", text))
        self.browse = QPushButton("Browse…")
        out_row = QWidget()
        out_layout = QHBoxLayout(out_row)
        out_layout.setContentsMargins(0, 0, 0, 0)
        out_layout.addWidget(self.out, 1)
        out_layout.addWidget(self.browse)
        self.add_widget_row("out", "Output folder", out_row, focus=self.out)

        self.size = QSpinBox()
        self.size.setSingleStep(32)
        self.size.valueChanged.connect(lambda value: self._set("size", value))
        self.add_widget_row("size", "Image size", self.size)

        if kind == "restoration":
            self.degradation_grid = checkbox_grid()
            self.add_widget_row("degradations", "Degradations", self.degradation_grid)
            self._grid_placeholder: QLabel | None = None
            self.max_degradations = QSpinBox()
            self.max_degradations.setRange(1, 64)
            self.max_degradations.setToolTip("Each pair gets between 1 and this many of the chosen degradations.")
            self.max_degradations.valueChanged.connect(lambda value: self._set("max_degradations", value))
            self.add_widget_row("max_degradations", "Max per pair", self.max_degradations)
        else:
            self.classes = QLineEdit()
            self.classes.setPlaceholderText("comma-separated; empty = the backend's default classes")
            self.classes.textEdited.connect(lambda text: self._set("classes", text))
            self.add_widget_row("classes", "Classes", self.classes)
            self.val_fraction = QDoubleSpinBox()
            self.val_fraction.setSingleStep(0.05)
            self.val_fraction.setDecimals(2)
            self.val_fraction.valueChanged.connect(lambda value: self._set("val_fraction", value))
            self.add_widget_row("val_fraction", "Validation share", self.val_fraction)
            self.max_objects = QSpinBox()
            self.max_objects.valueChanged.connect(lambda value: self._set("max_objects", value))
            self.add_widget_row("max_objects", "Max objects", self.max_objects)

        if kind == "restoration":
            self.build_degradations([])
            self._add_own_images_rows()

        self.seed = QLineEdit()
        self.seed.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,19}")))
        self.seed.setToolTip("The same seed and parameters give the same data.")
        self.seed.textEdited.connect(lambda text: self._set("seed", int(text) if text else 0))
        self.add_widget_row("seed", "Seed", self.seed)
        self.load()  # the described ranges and the model's values from the start

    def _add_own_images_rows(self) -> None:
        """Pairs from the user's own clean images: the folder, the domain's preset, pairs per image, crop."""
        self.source = QLineEdit()
        self.source.setPlaceholderText("empty = render documents; a folder of your clean photos or scans")
        self.source.setToolTip(
            "Any format and size, searched recursively, as the backend sees the folder. Each image is degraded "
            "by the domain's realistic preset; unreadable files are skipped and listed in the manifest."
        )
        self.source.textEdited.connect(lambda text: self._set("source", text))
        self.browse_source = QPushButton("Browse…")
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.source, 1)
        layout.addWidget(self.browse_source)
        self.add_widget_row("source", "Your images", row, focus=self.source)
        self.domain = QComboBox()
        self.domain.addItems(list(self.model.domains))
        self.domain.currentTextChanged.connect(lambda text: self._set("domain", text))
        self.add_widget_row("domain", "Domain", self.domain)
        self.count_per_image = QSpinBox()
        self.count_per_image.valueChanged.connect(lambda value: self._set("count_per_image", value))
        self.add_widget_row("count_per_image", "Pairs per image", self.count_per_image)
        self.crop = QSpinBox()
        self.crop.setSingleStep(64)
        self.crop.valueChanged.connect(lambda value: self._set("crop", value))
        self.add_widget_row("crop", "Crop", self.crop)

    def add_widget_row(self, name: str, label: str, widget: QWidget, *, focus: QWidget | None = None) -> None:
        """Add ``widget`` with an error line under it; ``focus`` is the part that turns red."""
        cell = QWidget()
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        error = error_label()
        column.addWidget(error)
        self.widgets[name] = focus or widget
        self.errors[name] = error
        self.form.addRow(label, cell)

    def _set(self, name: str, value: object) -> None:
        self.model.set(name, value, kind=self.kind)

    # -- degradations ---------------------------------------------------------------------------------

    def build_degradations(self, known: list[Degradation]) -> None:
        grid: QGridLayout = self.degradation_grid.layout()  # type: ignore[assignment]
        for widget in [*self.degradation_boxes, *self._grid_buttons]:
            grid.removeWidget(widget)
            widget.deleteLater()
        self.degradation_boxes, self._grid_buttons = [], []
        if self._grid_placeholder is None:
            self._grid_placeholder = muted_label("Loading the backend's degradations…")
            grid.addWidget(self._grid_placeholder, 0, 0, 1, DEGRADATION_COLUMNS)
        self._grid_placeholder.setVisible(not known)
        for position, degradation in enumerate(known):
            box = QCheckBox(degradation.name)
            box.setToolTip(degradation.description)
            box.toggled.connect(lambda checked, name=degradation.name: self.model.set_degradation(name, checked))
            grid.addWidget(box, position // DEGRADATION_COLUMNS, position % DEGRADATION_COLUMNS)
            self.degradation_boxes.append(box)
        if known:
            row = (len(known) + DEGRADATION_COLUMNS - 1) // DEGRADATION_COLUMNS
            for column, (text, chosen) in enumerate((("All", True), ("None", False))):
                button = QPushButton(text)
                button.setFlat(True)
                button.setStyleSheet("padding: 2px 6px; text-decoration: underline;")
                button.clicked.connect(lambda _=False, chosen=chosen: self._choose_all(chosen))
                grid.addWidget(button, row, column)
                self._grid_buttons.append(button)
        self.max_degradations.setMaximum(max(1, len(known)) if known else 64)

    def _choose_all(self, chosen: bool) -> None:
        for box in self.degradation_boxes:
            box.setChecked(chosen)

    def load_degradations(self) -> None:
        chosen = set(self.model.restoration.degradations)
        for box in self.degradation_boxes:
            if box.isChecked() != (box.text() in chosen):
                box.blockSignals(True)
                box.setChecked(box.text() in chosen)
                box.blockSignals(False)

    # -- model -> widgets -----------------------------------------------------------------------------

    def load(self) -> None:
        fields = self.model.fields_of(self.kind)
        described = self.model.parameters[self.kind]
        self.count.setMaximum(described["count"].int_max)
        apply_range(self.size, described["size"])
        if self.kind == "restoration":
            for spin, name in ((self.count_per_image, "count_per_image"), (self.crop, "crop")):
                apply_range(spin, described[name])
        else:
            apply_range(self.val_fraction, described["val_fraction"])
            apply_range(self.max_objects, described["max_objects"])
        _set_spin(self.count, fields.count)
        _set_spin(self.size, fields.size)
        _set_text(self.out, fields.out)
        _set_text(self.seed, str(fields.seed))
        if self.kind == "restoration":
            own = self.model.restoration
            _set_spin(self.max_degradations, own.max_degradations)
            _set_text(self.source, own.source)
            if [self.domain.itemText(i) for i in range(self.domain.count())] != list(self.model.domains):
                self.domain.blockSignals(True)
                self.domain.clear()
                self.domain.addItems(list(self.model.domains))
                self.domain.blockSignals(False)
            if self.domain.currentText() != own.domain:
                self.domain.setCurrentText(own.domain)
            _set_spin(self.count_per_image, own.count_per_image)
            _set_spin(self.crop, own.crop)
            from_images = self.model.from_images()
            self.count.setMinimum(0 if from_images else 1)
            self.count.setSpecialValueText("every image" if from_images else "")
            for widget in (self.size, self.degradation_grid, self.max_degradations):
                widget.setEnabled(not from_images)
            for widget in (self.domain, self.count_per_image, self.crop):
                widget.setEnabled(from_images)
        else:
            _set_text(self.classes, self.model.detection.classes)
            _set_spin(self.val_fraction, self.model.detection.val_fraction)
            _set_spin(self.max_objects, self.model.detection.max_objects)

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, label in self.errors.items():
            message = errors.get(name, "")
            label.setText(message)
            label.setVisible(bool(message))
            set_invalid(self.widgets[name], bool(message))


def _set_spin(widget: QSpinBox | QDoubleSpinBox, value: float) -> None:
    if widget.value() != value:
        widget.blockSignals(True)
        widget.setValue(value)  # type: ignore[arg-type]
        widget.blockSignals(False)


def _set_text(widget: QLineEdit, text: str) -> None:
    if widget.text() != text:
        widget.setText(text)
        widget.setCursorPosition(0)  # show the start of a long path, not its end

"""Widgets sized by a described parameter (``omni_core.jobkinds.ParamSpec``): spin box ranges, the text of the
special value at the minimum, and combo box items; re-applied whenever a backend's description arrives."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QSpinBox

from desktop.models.described import spin_range
from omni_core.jobkinds import ParamSpec


def apply_range(spin: QSpinBox | QDoubleSpinBox, param: ParamSpec) -> None:
    """The spin box takes the parameter's range (specials below it widen it) without emitting a change."""
    step = 10 ** -spin.decimals() if isinstance(spin, QDoubleSpinBox) else 1
    low, high, special = spin_range(param, step=step)
    spin.blockSignals(True)
    spin.setRange(low, high)  # type: ignore[arg-type]
    spin.setSpecialValueText(special)
    if param.unit and param.unit not in ("pairs", "images"):
        spin.setSuffix(f" {param.unit}")
    spin.setToolTip(spin.toolTip() or param.help[:1].upper() + param.help[1:] + ".")
    spin.blockSignals(False)


def fill_combo(combo: QComboBox, items: list[tuple[str, object]]) -> None:
    """Replace the combo's items when they differ (text, data), keeping the current data where it remains."""
    current = [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]
    if current == items:
        return
    chosen = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for text, value in items:
        combo.addItem(text, value)
    index = combo.findData(chosen)
    combo.setCurrentIndex(max(index, 0))
    combo.blockSignals(False)

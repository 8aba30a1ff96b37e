"""A dataset's statistics: a headline, images per status, boxes per class (in the class colours) and the
box-size histogram, as pyqtgraph bar charts created once and updated in place."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.models.datasets_model import StatsSummary
from desktop.qt.theme import MUTED
from desktop.qt.widgets.class_colours import CLASS_COLOURS, STATUS_COLOURS

STATUS_LABELS = {"todo": "to do", "done": "done", "review": "review"}


def _plot(title: str) -> pg.PlotWidget:
    widget = pg.PlotWidget(background="w")
    item = widget.getPlotItem()
    item.setTitle(title, color="#1d2430", size="10pt")
    item.showGrid(y=True, alpha=0.15)
    item.setMenuEnabled(False)
    item.setMouseEnabled(x=False, y=False)
    item.hideButtons()
    for axis in ("left", "bottom"):
        item.getAxis(axis).setTextPen("#374151")
        item.getAxis(axis).setPen("#9ca3af")
        item.getAxis(axis).enableAutoSIPrefix(False)
    widget.setMinimumSize(180, 170)
    return widget


class StatsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = QLabel()
        self.headline.setStyleSheet("font-size: 11pt; font-weight: 600;")
        self.placeholder = QLabel("Select a dataset to see its statistics.")
        self.placeholder.setStyleSheet(f"color: {MUTED};")
        self.status_plot = _plot("Images by status")
        self.class_plot = _plot("Boxes by class")
        self.size_plot = _plot("Box size: \u221aarea, % of the image side")
        self._status_bars = pg.BarGraphItem(x=[], height=[], width=0.6)
        self._class_bars = pg.BarGraphItem(x=[], height=[], width=0.6)
        self._size_bars = pg.BarGraphItem(x=[], height=[], width=0.6)
        self.status_plot.addItem(self._status_bars)
        self.class_plot.addItem(self._class_bars)
        self.size_plot.addItem(self._size_bars)
        plots = QHBoxLayout()
        plots.addWidget(self.status_plot, 2)
        plots.addWidget(self.class_plot, 3)
        plots.addWidget(self.size_plot, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.headline)
        layout.addWidget(self.placeholder)
        layout.addLayout(plots, 1)
        self.show_summary(None)

    def show_summary(self, summary: StatsSummary | None, loading: bool = False) -> None:
        has = summary is not None
        for plot in (self.status_plot, self.class_plot, self.size_plot):
            plot.setVisible(has)
        self.headline.setVisible(has)
        self.placeholder.setVisible(not has)
        if summary is None:
            self.placeholder.setText("Loading statistics…" if loading else "Select a dataset to see its statistics.")
            return
        self.headline.setText(summary.headline)
        self._bars(
            self.status_plot,
            self._status_bars,
            [STATUS_LABELS[k] for k, _ in summary.statuses],
            [v for _, v in summary.statuses],
            [STATUS_COLOURS[i + 1] for i in range(len(summary.statuses))],
        )
        colours = [CLASS_COLOURS[class_id % len(CLASS_COLOURS)] for _, _, class_id in summary.classes]
        self._bars(
            self.class_plot,
            self._class_bars,
            [n for n, _, _ in summary.classes],
            [v for _, v, _ in summary.classes],
            colours,
        )
        self._histogram(summary.histogram)

    @staticmethod
    def _bars(
        plot: pg.PlotWidget, bars: pg.BarGraphItem, names: list[str], values: list[int], colours: list[str]
    ) -> None:
        x = np.arange(len(values), dtype=float)
        bars.setOpts(
            x=x,
            height=np.asarray(values, dtype=float),
            width=0.6,
            brushes=[pg.mkBrush(c) for c in colours],
            pens=[pg.mkPen(None)] * len(values),
        )
        plot.getAxis("bottom").setTicks([list(zip(x.tolist(), names, strict=True))])
        plot.setXRange(-0.6, max(0.6, len(values) - 0.4), padding=0)
        plot.setYRange(0, max([1, *values]) * 1.12, padding=0)

    def _histogram(self, bins: list[tuple[float, float, int]]) -> None:
        """Bins as categories ("1-2%"): the backend's bins are not evenly wide, so a linear axis would hide
        the small ones, which are the ones that matter for detection."""
        names = [f"{_percent(low)}-{_percent(high)}" for low, high, _ in bins]
        if names:
            names[0] = f"<{_percent(bins[0][1])}"
        self._bars(self.size_plot, self._size_bars, names, [count for _, _, count in bins], ["#2f6fde"] * len(bins))


def _percent(value: float) -> str:
    return f"{value * 100:.0f}" if value * 100 >= 1 or value == 0 else f"{value * 100:.1f}"

"""The live curves of a training run: for restoration, loss (per step and per epoch), PSNR and SSIM per
epoch; for detection, the box/cls/dfl losses and precision, recall, mAP50, mAP50-95 per epoch. The run's
kind picks the page.

Curves are created once and updated with ``setData``; the per-step curve, the one that grows long, is
peak-downsampled and clipped to the view. Redraws are coalesced: ``schedule()`` marks the plots stale
and a short timer draws them at most every ``REDRAW_MS``, so a fast event replay costs a few redraws.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from desktop.models.training_run import (
    DETECTION_LOSSES,
    DETECTION_METRICS,
    TRAIN_LOSS,
    VAL_LOSS,
    VAL_PSNR,
    VAL_SSIM,
    TrainingRunModel,
)

REDRAW_MS = 100
STEP_COLOUR = "#9fb3c8"
TRAIN_COLOUR = "#1f5fa8"
VAL_COLOUR = "#d2691e"
BASELINE_COLOUR = "#6b7280"
LOSS_COLOURS = ("#1f5fa8", "#d2691e", "#2e8b57")  # box, cls, dfl
METRIC_COLOURS = ("#1f5fa8", "#d2691e", "#2e8b57", "#8b3fb0")  # precision, recall, mAP50, mAP50-95
SYMBOLS = ("o", "s", "t", "d")


def _plot(title: str, y_label: str) -> pg.PlotWidget:
    widget = pg.PlotWidget(background="w")
    item = widget.getPlotItem()
    item.setTitle(title, color="#1d2430", size="11pt")
    item.setLabel("bottom", "epoch")
    item.setLabel("left", y_label)
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setMenuEnabled(False)
    for axis in ("left", "bottom"):
        item.getAxis(axis).setTextPen("#374151")
        item.getAxis(axis).setPen("#9ca3af")
        item.getAxis(axis).enableAutoSIPrefix(False)  # "0.15", not "150 (x0.001)"
    widget.setMinimumSize(150, 160)
    return widget


def _epoch_curve(plot: pg.PlotWidget, colour: str, name: str, symbol: str = "o") -> pg.PlotDataItem:
    return plot.plot(
        [],
        [],
        pen=pg.mkPen(colour, width=2),
        symbol=symbol,
        symbolSize=6,
        symbolBrush=colour,
        symbolPen=None,
        name=name,
    )


def _baseline(plot: pg.PlotWidget, label: str) -> pg.InfiniteLine:
    """A dashed line at the degraded input's value: what the network has to beat (its tooltip says so)."""
    line = pg.InfiniteLine(
        angle=0,
        pen=pg.mkPen(BASELINE_COLOUR, width=1, style=Qt.PenStyle.DashLine),
        label=label,
        labelOpts={"position": 0.02, "color": BASELINE_COLOUR, "anchors": [(0, 1), (0, 1)]},
    )
    line.setVisible(False)
    line.setToolTip("The degraded input scored against the clean images: what the network has to beat")
    plot.addItem(line, ignoreBounds=False)
    return line


class TrainingPlots(QWidget):
    def __init__(self, run: TrainingRunModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run = run

        self.loss_plot = _plot("Loss", "loss")
        self.loss_plot.addLegend(offset=(-8, 8), labelTextColor="#374151", brush=pg.mkBrush(255, 255, 255, 200))
        self.step_curve = self.loss_plot.plot([], [], pen=pg.mkPen(STEP_COLOUR, width=1), name="train (step)")
        self.step_curve.setDownsampling(auto=True, method="peak")
        self.step_curve.setClipToView(True)
        self.train_curve = _epoch_curve(self.loss_plot, TRAIN_COLOUR, "train (epoch)")
        self.val_curve = _epoch_curve(self.loss_plot, VAL_COLOUR, "validation", symbol="s")

        self.psnr_plot = _plot("PSNR (validation)", "dB")
        self.psnr_curve = _epoch_curve(self.psnr_plot, VAL_COLOUR, "PSNR")
        self.psnr_baseline = _baseline(self.psnr_plot, "input {value:.2f} dB")
        self.ssim_plot = _plot("SSIM (validation)", "SSIM")
        self.ssim_curve = _epoch_curve(self.ssim_plot, VAL_COLOUR, "SSIM")
        self.ssim_baseline = _baseline(self.ssim_plot, "input {value:.4f}")

        restoration = QWidget()
        layout = QHBoxLayout(restoration)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.loss_plot, 4)
        layout.addWidget(self.psnr_plot, 3)
        layout.addWidget(self.ssim_plot, 3)

        self.detection_loss_plot = _plot("Training losses", "loss")
        self.detection_loss_plot.addLegend(
            offset=(-8, 8), labelTextColor="#374151", brush=pg.mkBrush(255, 255, 255, 200)
        )
        self.detection_loss_curves = {
            name: _epoch_curve(self.detection_loss_plot, colour, label, symbol)
            for (name, label), colour, symbol in zip(DETECTION_LOSSES, LOSS_COLOURS, SYMBOLS[:3], strict=True)
        }
        self.detection_metric_plot = _plot("Validation", "score")
        self.detection_metric_plot.addLegend(
            offset=(8, 8), labelTextColor="#374151", brush=pg.mkBrush(255, 255, 255, 200)
        )
        self.detection_metric_curves = {
            name: _epoch_curve(self.detection_metric_plot, colour, label, symbol)
            for (name, label), colour, symbol in zip(DETECTION_METRICS, METRIC_COLOURS, SYMBOLS, strict=True)
        }
        self.detection_metric_plot.setYRange(0.0, 1.0, padding=0.02)
        detection = QWidget()
        detection_layout = QHBoxLayout(detection)
        detection_layout.setContentsMargins(0, 0, 0, 0)
        detection_layout.setSpacing(6)
        detection_layout.addWidget(self.detection_loss_plot, 1)
        detection_layout.addWidget(self.detection_metric_plot, 1)

        self.pages = QStackedWidget()
        self.pages.addWidget(restoration)
        self.pages.addWidget(detection)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.pages)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        run.series_changed.connect(self.schedule)
        run.reset.connect(self.redraw)
        self.redraw()

    def schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def redraw(self) -> None:
        self._timer.stop()
        run = self.run
        self.pages.setCurrentIndex(1 if run.is_detection else 0)
        if run.is_detection:
            for curves in (self.detection_loss_curves, self.detection_metric_curves):
                for name, curve in curves.items():
                    epochs, values = run.epoch_series(name)
                    curve.setData(np.asarray(epochs, dtype=float), np.asarray(values, dtype=float))
            return
        x, y = run.step_losses()
        self.step_curve.setData(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        for curve, name in (
            (self.train_curve, TRAIN_LOSS),
            (self.val_curve, VAL_LOSS),
            (self.psnr_curve, VAL_PSNR),
            (self.ssim_curve, VAL_SSIM),
        ):
            epochs, values = run.epoch_series(name)
            curve.setData(np.asarray(epochs, dtype=float), np.asarray(values, dtype=float))
        bottom = "epoch" if run.steps_per_epoch or not x else "step"
        self.loss_plot.getPlotItem().setLabel("bottom", bottom)
        for line, value in zip(
            (self.psnr_baseline, self.ssim_baseline),
            run.baseline or (None, None),
            strict=True,
        ):
            line.setVisible(value is not None)
            if value is not None:
                line.setValue(value)

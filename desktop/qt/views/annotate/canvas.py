"""The annotation canvas: a QGraphicsView whose boxes are the view-model's boxes.

The image is one item (cached in device coordinates), each box one item; the view repaints only what
changed (``MinimalViewportUpdate``). Gestures: drag on the image draws (crosshair and a size readout);
a click selects; dragging the selected box moves it and dragging any box's edge or corner resizes it
(Shift+drag always draws); the wheel zooms to the cursor; Space+drag or the middle button pans. A drag
changes only its item until the button is released, then becomes one edit on the view-model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QLabel, QWidget

from desktop.models.annotate.boxes import Box
from desktop.models.annotate.commands import EditKind
from desktop.models.annotate.geometry import CURSORS, Grip, Rect, dragged, grip_at, normalized
from desktop.models.annotate.session import AnnotationSession
from desktop.qt.views.annotate.box_item import GRIP_PX, BoxItem
from desktop.qt.views.annotate.image_item import ImageItem
from desktop.qt.widgets.class_colours import CANVAS_BACKGROUND, class_colour

MIN_BOX_PX = 3.0  # a drag smaller than this (on screen) is a click
MAX_SCALE = 40.0
WHEEL_BASE = 1.0015  # per 1/8 degree: one notch (120) zooms by ~20%
FIT_MARGIN = 0.02

_CURSOR_SHAPES = {
    "size_ver": Qt.CursorShape.SizeVerCursor,
    "size_hor": Qt.CursorShape.SizeHorCursor,
    "size_bdiag": Qt.CursorShape.SizeBDiagCursor,
    "size_fdiag": Qt.CursorShape.SizeFDiagCursor,
    "size_all": Qt.CursorShape.SizeAllCursor,
}


@dataclass
class _Drag:
    mode: str  # "draw" | "edit" | "pan"
    start: QPointF  # scene
    start_view: QPoint
    index: int | None = None
    grip: Grip = Grip.NONE
    start_rect: Rect = (0.0, 0.0, 0.0, 0.0)
    moved: bool = False


class AnnotationCanvas(QGraphicsView):
    zoom_changed = Signal(float)
    cursor_moved = Signal(object)  # (x, y) in image pixels, or None off the image

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: AnnotationSession[Any] | None = None
        self.scene_ = QGraphicsScene(self)
        self.setScene(self.scene_)
        self.image_item = ImageItem()
        self.scene_.addItem(self.image_item)
        self.items_: list[BoxItem] = []
        self.rubber = BoxItem((0, 0, 0, 0), QColor("white"), "")
        self.rubber.setVisible(False)
        self.scene_.addItem(self.rubber)
        self._drag: _Drag | None = None
        self._space = False
        self._crosshair: QPointF | None = None  # scene position, while the cursor is over the image
        self._fitted = True
        self._image_size = (0, 0)

        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(QBrush(QColor(CANVAS_BACKGROUND)))
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.scene_.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)  # few items, all moving

        self.readout = QLabel(self.viewport())
        self.readout.setStyleSheet(
            "background: rgba(17, 19, 23, 220); color: white; border-radius: 4px; padding: 2px 6px; font-size: 11px;"
        )
        self.readout.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.readout.hide()
        self.overlay = QLabel(self.viewport())
        self.overlay.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.overlay.setStyleSheet("color: #9aa1ad; font-size: 14px; background: transparent;")
        self.overlay.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.set_overlay("Choose a dataset to annotate")

    # -- the model ------------------------------------------------------------------------------------

    def set_model(self, model: AnnotationSession[Any] | None) -> None:
        old = self.model
        if old is not None:
            for event, slot in self._subscriptions(old):
                event.disconnect(slot)
        self.model = model
        if model is not None:
            for event, slot in self._subscriptions(model):
                event.connect(slot)
        self.show_current()

    def _subscriptions(self, model: AnnotationSession[Any]) -> list[tuple[Any, Any]]:
        return [
            (model.current_changed, self.show_current),
            (model.boxes_changed, self._boxes_changed),
            (model.selection_changed, self.sync_boxes),
            (model.image_ready, self._image_ready),
            (model.dataset_loaded, self.sync_boxes),
            (model.cache.failed, self._image_failed),
        ]

    def show_current(self) -> None:
        """A new current image: its size (from the list) right away, its pixels when they are here."""
        self._cancel_drag()
        model = self.model
        info = model.current_info if model is not None else None
        image = model.current_image if model is not None else None
        if info is None:
            self.image_item.set_image(None)
            self._image_size = (0, 0)
            if model is None:
                self.set_overlay("Choose a dataset to annotate")
            elif model.images.complete and not model.images.total:
                filtered = bool(model.images.status)
                self.set_overlay("No image has this status" if filtered else "No images yet: import some in Datasets")
            else:
                self.set_overlay("Loading…")
            self.sync_boxes()
            return
        width = info.width or (image.width if image is not None else 0)
        height = info.height or (image.height if image is not None else 0)
        resized = (width, height) != self._image_size
        self._image_size = (width, height)
        self.image_item.set_image(image)
        self.set_overlay("" if image is not None else "Loading image…")
        if resized or self._fitted:
            margin_x, margin_y = width * 0.2, height * 0.2
            self.scene_.setSceneRect(QRectF(-margin_x, -margin_y, width + 2 * margin_x, height + 2 * margin_y))
            self.fit()
        self.sync_boxes()

    def _image_ready(self, image_id: str) -> None:
        model = self.model
        if model is not None and image_id == model.image_id:
            image = model.current_image
            self.image_item.set_image(image)
            self.set_overlay("")
            if self._image_size == (0, 0) and image is not None:
                self.show_current()

    def _image_failed(self, image_id: str, message: str) -> None:
        model = self.model
        if model is not None and image_id == model.image_id and model.current_image is None:
            self.set_overlay(f"Could not load this image: {message}")

    def set_overlay(self, text: str) -> None:
        self.overlay.setText(text)
        self.overlay.setVisible(bool(text))
        self.overlay.resize(self.viewport().size())

    @property
    def image_size(self) -> tuple[int, int]:
        return self._image_size

    def box_rect(self, box: Box) -> Rect:
        width, height = self._image_size
        left, top, right, bottom = box.edges
        return left * width, top * height, right * width, bottom * height

    def _boxes_changed(self) -> None:
        """The boxes changed under a drag in progress (their version loaded after a conflict): drop it."""
        if self._drag is not None and self._drag.mode == "edit":
            self._cancel_drag()
        self.sync_boxes()

    def sync_boxes(self) -> None:
        """Make the box items match the view-model (item by item; nothing else is redrawn)."""
        model = self.model
        boxes = model.boxes if model is not None and self._image_size != (0, 0) else ()
        scale = self.scale_factor
        for index, box in enumerate(boxes):
            assert model is not None
            name = model.class_name(box.class_id)
            label = f"{name} {box.confidence:.2f}" if box.confidence is not None else name
            marks = [flag for flag, on in box.flags().items() if on]
            label += f" ({', '.join(marks)})" if marks else ""
            if index < len(self.items_):
                item = self.items_[index]
            else:
                item = BoxItem((0, 0, 0, 0), class_colour(box.class_id), label)
                self.scene_.addItem(item)
                self.items_.append(item)
            item.set_scale_hint(scale)
            item.set_rect(self.box_rect(box))
            item.set_look(class_colour(box.class_id), label, box.is_suggestion, index == model.selected)
        for item in self.items_[len(boxes) :]:
            self.scene_.removeItem(item)
        del self.items_[len(boxes) :]

    # -- zoom and pan ---------------------------------------------------------------------------------

    @property
    def scale_factor(self) -> float:
        return float(self.transform().m11())

    def image_rect(self) -> QRectF:
        width, height = self._image_size
        return QRectF(0, 0, width, height)

    def fit(self) -> None:
        rect = self.image_rect()
        if rect.isEmpty():
            return
        pad_x, pad_y = rect.width() * FIT_MARGIN, rect.height() * FIT_MARGIN
        self.fitInView(rect.adjusted(-pad_x, -pad_y, pad_x, pad_y), Qt.AspectRatioMode.KeepAspectRatio)
        self._fitted = True
        self._scale_changed()

    def zoom_by(self, factor: float, anchor: QPoint | None = None) -> None:
        current = self.scale_factor
        rect = self.image_rect()
        viewport = self.viewport()
        low = 0.5 * min(viewport.width() / max(1.0, rect.width()), viewport.height() / max(1.0, rect.height()))
        target = min(MAX_SCALE, max(min(low, 1.0), current * factor))
        if current <= 0 or abs(target - current) < 1e-9:
            return
        anchor = anchor if anchor is not None else self.viewport().rect().center()
        fixed = self.mapToScene(anchor)  # the image point under the cursor stays under it
        self.scale(target / current, target / current)
        moved = self.mapFromScene(fixed) - anchor
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + moved.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + moved.y())
        self._fitted = False
        self._scale_changed()

    def zoom_actual(self) -> None:
        self.zoom_by(1.0 / max(self.scale_factor, 1e-9))

    def _scale_changed(self) -> None:
        scale = self.scale_factor
        for item in (*self.items_, self.rubber):
            item.set_scale_hint(scale)
        self.zoom_changed.emit(scale)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.pixelDelta().y()
        if delta:
            self.zoom_by(WHEEL_BASE**delta, event.position().toPoint())
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.overlay.resize(self.viewport().size())
        if self._fitted:
            self.fit()

    def _pan(self, delta: QPoint) -> None:
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
        self._fitted = False

    # -- hit testing ----------------------------------------------------------------------------------

    def hit(self, scene: QPointF) -> tuple[int | None, Grip]:
        """The box and grip a press at ``scene`` takes: the selected box's handles first, then the
        smallest box whose edge or body is there."""
        tolerance = GRIP_PX / max(self.scale_factor, 1e-9)
        model = self.model
        selected = model.selected if model is not None else None
        if selected is not None and selected < len(self.items_):
            grip = grip_at(self.items_[selected].rect, scene.x(), scene.y(), tolerance)
            if grip is not Grip.NONE:
                return selected, grip
        candidates = []
        for index, item in enumerate(self.items_):
            grip = grip_at(item.rect, scene.x(), scene.y(), tolerance)
            if grip is not Grip.NONE:
                left, top, right, bottom = item.rect
                candidates.append(((right - left) * (bottom - top), index, grip))
        if not candidates:
            return None, Grip.NONE
        _area, index, grip = min(candidates, key=lambda c: (c[2] is Grip.BODY, c[0]))
        return index, grip

    # -- mouse ----------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        model = self.model
        view_pos = event.position().toPoint()
        scene = self.mapToScene(view_pos)
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and self._space):
            self._drag = _Drag("pan", scene, view_pos)
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        if button != Qt.MouseButton.LeftButton or model is None or not model.editable or self._image_size == (0, 0):
            super().mousePressEvent(event)
            return
        self.setFocus()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        index, grip = (None, Grip.NONE) if shift else self.hit(scene)
        if index is not None and (grip.is_resize or index == model.selected):
            model.select(index)  # first: a selection change redraws the items, a drag must start after it
            self._drag = _Drag("edit", scene, view_pos, index, grip, self.items_[index].rect)
            return
        self._drag = _Drag("draw", scene, view_pos, index)  # a click on a box (no drag) selects it
        self._set_crosshair(None)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Double-click on a suggestion: accept it (as Enter does for the selected one)."""
        model = self.model
        if model is not None and model.editable and event.button() == Qt.MouseButton.LeftButton:
            index, _grip = self.hit(self.mapToScene(event.position().toPoint()))
            if index is not None and index < len(model.boxes) and model.boxes[index].is_suggestion:
                self._drag = None
                model.select(index)
                model.accept_suggestion()
                return
        super().mouseDoubleClickEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        view_pos = event.position().toPoint()
        scene = self.mapToScene(view_pos)
        drag = self._drag
        self._report_cursor(scene)
        if drag is None:
            self._hover(scene)
            return
        if not drag.moved and (view_pos - drag.start_view).manhattanLength() < MIN_BOX_PX:
            return
        drag.moved = True
        if drag.mode == "pan":
            self._pan(view_pos - drag.start_view)
            drag.start_view = view_pos
        elif drag.mode == "draw":
            self._draw_to(drag, scene, view_pos)
        else:
            self._edit_to(drag, scene, view_pos)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        if drag is None:
            super().mouseReleaseEvent(event)
            return
        self.readout.hide()
        model = self.model
        scene = self.mapToScene(event.position().toPoint())
        if drag.mode == "pan":
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if self._space else Qt.CursorShape.CrossCursor)
            return
        if model is None:
            return
        width, height = self._image_size
        if drag.mode == "draw":
            self.rubber.setVisible(False)
            left, top, right, bottom = self._clamped(drag.start, scene)
            screen = self.scale_factor
            if drag.moved and (right - left) * screen >= MIN_BOX_PX and (bottom - top) * screen >= MIN_BOX_PX:
                box = Box.from_edges(model.draw_class, left / width, top / height, right / width, bottom / height)
                model.add_box(box)
            else:
                model.select(drag.index)
            self._hover(scene)
            return
        assert drag.index is not None
        item = self.items_[drag.index] if drag.index < len(self.items_) else None
        if item is None or not drag.moved or item.rect == drag.start_rect:
            return
        old = model.boxes[drag.index]
        left, top, right, bottom = item.rect
        box = old.with_edges(left / width, top / height, right / width, bottom / height)
        model.replace_box(drag.index, box, EditKind.MOVE if drag.grip is Grip.BODY else EditKind.RESIZE)

    def _clamped(self, a: QPointF, b: QPointF) -> Rect:
        width, height = self._image_size
        xs = sorted(min(max(x, 0.0), width) for x in (a.x(), b.x()))
        ys = sorted(min(max(y, 0.0), height) for y in (a.y(), b.y()))
        return xs[0], ys[0], xs[1], ys[1]

    def _draw_to(self, drag: _Drag, scene: QPointF, view_pos: QPoint) -> None:
        model = self.model
        rect = self._clamped(drag.start, scene)
        if not self.rubber.isVisible():
            colour = class_colour(model.draw_class) if model is not None else QColor("white")
            name = model.class_name(model.draw_class) if model is not None else ""
            self.rubber.set_look(colour, name, False, False)
            self.rubber.set_scale_hint(self.scale_factor)
            self.rubber.setVisible(True)
        self.rubber.set_rect(rect)
        self._show_readout(rect, view_pos)

    def _edit_to(self, drag: _Drag, scene: QPointF, view_pos: QPoint) -> None:
        if drag.index is None or drag.index >= len(self.items_):
            return
        width, height = self._image_size
        dx, dy = scene.x() - drag.start.x(), scene.y() - drag.start.y()
        rect = dragged(drag.start_rect, drag.grip, dx, dy, width, height)
        self.items_[drag.index].set_rect(rect)
        if drag.grip.is_resize:
            self._show_readout(normalized(rect), view_pos)

    def _show_readout(self, rect: Rect, view_pos: QPoint) -> None:
        left, top, right, bottom = rect
        self.readout.setText(f"{round(right - left)} \u00d7 {round(bottom - top)} px")
        self.readout.adjustSize()
        spot = view_pos + QPoint(16, 18)
        spot.setX(min(spot.x(), self.viewport().width() - self.readout.width() - 4))
        spot.setY(min(spot.y(), self.viewport().height() - self.readout.height() - 4))
        self.readout.move(spot)
        self.readout.show()

    def _hover(self, scene: QPointF) -> None:
        if self._space:
            return
        model = self.model
        if model is None or not model.editable:
            self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
            self._set_crosshair(None)
            return
        index, grip = self.hit(scene)
        if index is not None and (grip.is_resize or index == model.selected):
            self.viewport().setCursor(_CURSOR_SHAPES[CURSORS[grip]])
            self._set_crosshair(None)
            return
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self._set_crosshair(scene if self.image_rect().contains(scene) else None)

    def _report_cursor(self, scene: QPointF) -> None:
        inside = self.image_rect().contains(scene)
        self.cursor_moved.emit((scene.x(), scene.y()) if inside else None)

    # -- crosshair ------------------------------------------------------------------------------------

    def _set_crosshair(self, scene: QPointF | None) -> None:
        old = self._crosshair
        self._crosshair = scene
        if old == scene:
            return
        for point in (old, scene):
            if point is not None:
                for rect in self._crosshair_rects(point):
                    self.viewport().update(rect)

    def _crosshair_rects(self, scene: QPointF) -> tuple[QRect, QRect]:
        view = self.mapFromScene(scene)
        area = self.mapFromScene(self.image_rect()).boundingRect()
        return (
            QRect(area.left(), view.y() - 1, area.width(), 3),
            QRect(view.x() - 1, area.top(), 3, area.height()),
        )

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        point = self._crosshair
        if point is None or self._drag is not None:
            return
        image = self.image_rect()
        pen = QPen(QColor(255, 255, 255, 150), 1)
        pen.setCosmetic(True)
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(QPointF(image.left(), point.y()), QPointF(image.right(), point.y()))
        painter.drawLine(QPointF(point.x(), image.top()), QPointF(point.x(), image.bottom()))

    # -- keys -----------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space = True
                self._set_crosshair(None)
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().setCursor(Qt.CursorShape.CrossCursor)
            event.accept()
            return
        super().keyReleaseEvent(event)

    def cancel_drag(self) -> bool:
        """Esc: drop a drag in progress (its item goes back); True if there was one."""
        had = self._drag is not None and self._drag.mode != "pan"
        self._cancel_drag()
        return had

    def _cancel_drag(self) -> None:
        drag, self._drag = self._drag, None
        self.rubber.setVisible(False)
        self.readout.hide()
        if drag is not None and drag.mode == "edit" and drag.index is not None and drag.index < len(self.items_):
            self.items_[drag.index].set_rect(drag.start_rect)

    def leaveEvent(self, event: Any) -> None:
        self._set_crosshair(None)
        self.cursor_moved.emit(None)
        super().leaveEvent(event)

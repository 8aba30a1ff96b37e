"""The main window: a navigation list on the left, the views in a stack, the connection in the status bar."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from desktop.models import ConnectionState
from desktop.qt.session import Session
from desktop.qt.theme import ERROR, MUTED, SPACING
from desktop.qt.views import VIEWS, ViewSpec

DEFAULT_SIZE = QSize(1280, 800)
MESSAGE_MS = 8000


class MainWindow(QMainWindow):
    def __init__(self, session: Session, views: list[ViewSpec] | None = None) -> None:
        super().__init__()
        self.session = session
        self.setWindowTitle("Omni Studio")
        self.resize(DEFAULT_SIZE)

        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setFixedWidth(180)
        self.nav.setIconSize(QSize(18, 18))
        self.stack = QStackedWidget()
        self.views: dict[str, QWidget] = {}
        for spec in views if views is not None else VIEWS:
            view = spec.factory(session)
            self.views[spec.name] = view
            self.stack.addWidget(view)
            item = QListWidgetItem(spec.name)
            if spec.icon is not None:
                item.setIcon(self.style().standardIcon(spec.icon))
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.nav.setCurrentRow(0)

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.connection_label = QLabel()
        self.connection_label.setContentsMargins(SPACING, 0, SPACING, 0)
        self.statusBar().addPermanentWidget(self.connection_label)
        session.connection_model.changed.connect(self._show_connection)
        session.message.connect(lambda text: self.statusBar().showMessage(text, MESSAGE_MS))
        session.show_requested.connect(self._show_requested)
        self._show_connection()

    def show_view(self, name: str) -> QWidget:
        """Switch to the view called ``name`` and return it."""
        index = list(self.views).index(name)
        self.nav.setCurrentRow(index)
        return self.views[name]

    def _show_requested(self, name: str, key: str) -> None:
        """Switch to view ``name`` and, if it can, have it show ``key``."""
        if name not in self.views:
            return
        show_item = getattr(self.show_view(name), "show_item", None)
        if callable(show_item):
            show_item(key)

    def _show_connection(self) -> None:
        model = self.session.connection_model
        self.connection_label.setText(model.status_text())
        colour = ERROR if model.state is ConnectionState.ERROR else MUTED if not model.connected else ""
        self.connection_label.setStyleSheet(f"color: {colour};" if colour else "")

    def closeEvent(self, event: QCloseEvent) -> None:
        for view in self.views.values():
            stop = getattr(view, "stop", None)
            if callable(stop):
                stop()
        super().closeEvent(event)

"""``run_app``: what ``omni gui`` runs. The window shows at once; the backend connects in the background."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication

from desktop.client import BackendTarget
from desktop.qt.main_window import MainWindow
from desktop.qt.session import Session
from desktop.qt.theme import apply_theme


def create_app() -> QApplication:
    """The QApplication (reusing one that exists, as under pytest-qt), themed."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication([sys.argv[0] if sys.argv else "omni"])
    app.setApplicationName("Omni Studio")
    app.setOrganizationName("Omni Studio")
    apply_theme(app)
    return app


def start_session(
    session: Session,
    backend: str | None,
    token: str | None,
    tls: bool,
    tls_ca: Path | None,
    *,
    embedded: bool = True,
) -> None:
    """Connect to ``backend`` if given, else start an embedded backend (if ``embedded``); in the background.

    The bundle passes ``embedded=False``: it carries no backend to start, so the Connect view asks for one.
    """
    if backend:
        token = token if token is not None else os.environ.get("OMNI_TOKEN", "")
        session.connect_to(BackendTarget(backend, token=token, tls=tls, tls_ca=tls_ca))
    elif embedded:
        session.start_embedded()


def run_app(
    backend: str | None,
    token: str | None,
    tls: bool,
    tls_ca: Path | None,
    workspace: Path | None,
    *,
    embedded: bool = True,
) -> int:
    """Open the main window and run until it closes; an embedded backend we started is stopped on exit."""
    app = create_app()
    session = Session(workspace=workspace)
    window = MainWindow(session)
    window.show()
    start_session(session, backend, token, tls, tls_ca, embedded=embedded)
    with _quit_on_signals(app):
        try:
            code = app.exec()
        finally:
            window.close()
            session.shutdown()
    return int(code)


@contextlib.contextmanager
def _quit_on_signals(app: QApplication) -> Iterator[None]:
    """Ctrl+C / SIGTERM close the app cleanly (so the embedded backend is stopped) without a polling timer.

    Python runs signal handlers only between bytecodes; while Qt's loop waits in C++ it would never get
    there. The wakeup fd wakes a socket notifier, whose (Python) slot lets the handler run.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    previous_fd = signal.set_wakeup_fd(writer.fileno())
    previous = {sig: signal.signal(sig, lambda *_: app.quit()) for sig in (signal.SIGINT, signal.SIGTERM)}
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(lambda *_: _drain(reader))
    try:
        yield
    finally:
        notifier.setEnabled(False)
        signal.set_wakeup_fd(previous_fd)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        reader.close()
        writer.close()


def _drain(reader: socket.socket) -> None:
    with contextlib.suppress(OSError):
        reader.recv(4096)

"""A child process that tells what it does as JSON lines on stdout (``omni ... --events jsonl``).

``start(argv, env)`` runs it with stdin closed; each complete stdout line that is a JSON object arrives
through ``objects`` on the UI thread, stderr is kept, and ``ended(exit_code, stderr, stop_requested)``
comes once when it exits (exit code -1 if it crashed or could not start). ``terminate()`` asks it to stop
(SIGTERM); ``stop()`` also waits, then kills. Deleting the object (with its parent view) stops the child
the same way, without delivering anything.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal

from desktop.models.batch_remote import JsonLines

STDERR_KEPT = 16_000  # characters of stderr kept for the error message
STOP_WAIT_MS = 15_000


class _Child:
    """The running process, reachable from a handler of ``destroyed`` (which must not touch the QObject)."""

    process: QProcess | None = None

    def stop(self, wait_ms: int = STOP_WAIT_MS, *, quietly: bool = False) -> None:
        process = self.process
        if process is None:
            return
        try:
            if quietly:
                process.blockSignals(True)
            if process.state() == QProcess.ProcessState.NotRunning:
                return
            process.terminate()
            if not process.waitForFinished(wait_ms):
                process.kill()
                process.waitForFinished(2000)
        except RuntimeError:  # the QProcess is already gone
            self.process = None


class JsonLinesProcess(QObject):
    objects = Signal(list)  # list[dict]: the JSON objects of the lines read
    ended = Signal(int, str, bool)  # exit code (-1: crashed or not started), stderr, stop requested

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._child = child = _Child()
        self._lines = JsonLines()
        self._stderr = ""
        self.stop_requested = False
        self.destroyed.connect(lambda *_: child.stop(quietly=True))

    @property
    def running(self) -> bool:
        return self._child.process is not None

    def pid(self) -> int:
        process = self._child.process
        return int(process.processId()) if process is not None else 0

    def start(self, argv: list[str], env: Mapping[str, str]) -> None:
        if self.running:
            raise RuntimeError("a child process is already running")
        self._lines, self._stderr, self.stop_requested = JsonLines(), "", False
        process = QProcess(self)
        environment = QProcessEnvironment.systemEnvironment()
        for name, value in env.items():
            environment.insert(name, value)
        process.setProcessEnvironment(environment)
        process.setStandardInputFile(QProcess.nullDevice())
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._error)
        self._child.process = process
        process.start(argv[0], argv[1:])

    def terminate(self) -> None:
        """Ask the child to stop (SIGTERM); ``ended`` follows when it has."""
        process = self._child.process
        if process is not None:
            self.stop_requested = True
            process.terminate()

    def stop(self, wait_ms: int = STOP_WAIT_MS) -> None:
        """Stop the child and wait for it (then kill it): ``ended`` is delivered before this returns."""
        if self.running:
            self.stop_requested = True
            self._child.stop(wait_ms)

    # -- the process's signals ------------------------------------------------------------------------

    def _read_stdout(self) -> None:
        process = self._child.process
        if process is not None:
            objects = self._lines.feed(bytes(process.readAllStandardOutput().data()))
            if objects:
                self.objects.emit(objects)

    def _read_stderr(self) -> None:
        process = self._child.process
        if process is not None:
            text = bytes(process.readAllStandardError().data()).decode("utf-8", errors="replace")
            self._stderr = (self._stderr + text)[-STDERR_KEPT:]

    def _finished(self, exit_code: int, status: QProcess.ExitStatus) -> None:
        self._read_stdout()
        self._read_stderr()
        rest = self._lines.flush()
        if rest:
            self.objects.emit(rest)
        self._release()
        crashed = status == QProcess.ExitStatus.CrashExit
        self.ended.emit(-1 if crashed else exit_code, self._stderr, self.stop_requested)

    def _error(self, error: QProcess.ProcessError) -> None:
        if error != QProcess.ProcessError.FailedToStart:
            return  # a crash is followed by finished
        process = self._child.process
        message = process.errorString() if process is not None else "unknown error"
        self._release()
        self.ended.emit(-1, f"could not start the restore process: {message}", self.stop_requested)

    def _release(self) -> None:
        process, self._child.process = self._child.process, None
        if process is not None:
            process.deleteLater()

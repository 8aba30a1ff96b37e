"""The self-check's restoration step: the Batch view restores a folder streamed from this machine, in-process
(``omni_core.batch.remote`` on a worker thread: what a bundle, without a Python to start, must do).

As the user does it: the model chosen in the list (``--model``, else the newest registered version), the folders
typed in, "Stream the images from this machine" ticked, Start clicked; then the run's own state and files.
"""

from __future__ import annotations

import time

from desktop.client.connection import TERMINAL_STATES
from desktop.models.batch_form_model import ModelChoice
from desktop.qt.self_check.runner import CheckContext, StepFailed
from desktop.qt.views.batch_view import BatchView
from protos.omni.v1 import jobs_pb2

#: the Batch view asks for the models when it connects; a list without any restoration version by then means none
MODELS_WAIT_S = 20.0


class RestoreFolder:
    name = "restore"
    timeout_s = 180.0  # the backend loads the model (ONNX Runtime) on the first image

    def __init__(self) -> None:
        self.view: BatchView | None = None
        self.started_at = 0.0
        self.model = ""
        self.clicked = False

    def start(self, ctx: CheckContext) -> str | None:
        if ctx.options.restore is None:
            return "no --restore given"
        view = ctx.window.show_view("Batch")
        if not isinstance(view, BatchView):
            raise StepFailed("the window has no Batch view")
        self.view, self.started_at = view, time.monotonic()
        return None

    def poll(self, ctx: CheckContext) -> bool:
        view = self.view
        assert view is not None
        if not self.clicked:
            return self._start_run(ctx, view)
        run = view.run
        if not run.job_id and view.form_model.errors:
            raise StepFailed(f"the form refused: {view.form_model.errors}")
        if run.state not in TERMINAL_STATES:
            return False
        restored, failed = run.restored(), [f"{f.input}: {f.reason}" for f in run.failures]
        if run.state != jobs_pb2.JOB_STATE_SUCCEEDED or not restored or failed:
            raise StepFailed(f"the run ended {run.message or 'without restoring anything'}; failed: {failed}")
        ctx.report.restore = {
            "model": self.model,
            "input": run.input,
            "out": run.out,
            "streamed": run.streamed,
            "restored": restored,
        }
        return True

    def _start_run(self, ctx: CheckContext, view: BatchView) -> bool:
        form, wanted = view.form, ctx.options.model
        choices = [form.models.itemData(i) for i in range(form.models.count())]
        versions = [c.model for c in choices if isinstance(c, ModelChoice) and c.layer == 0 and not c.tier]
        ready = wanted in versions if wanted else bool(versions)
        if not ready:
            if time.monotonic() - self.started_at > MODELS_WAIT_S:
                raise StepFailed(f"the backend lists no restoration model {wanted or ''}".rstrip())
            return False
        self.model = wanted or versions[0]  # newest first
        form.choose_model(self.model)
        options = ctx.options
        assert options.restore is not None
        form.input.edit.setText(str(options.restore.resolve()))
        form.out.edit.setText(str((options.restore_out or ctx.default_restore_out).resolve()))
        if form.stream.isEnabled() and not form.stream.isChecked():
            form.stream.click()
        view.controls.start_button.click()
        self.clicked = True
        return False

    def waiting_for(self) -> str:
        return "the restoration run to end" if self.clicked else "the Batch view's list of models"

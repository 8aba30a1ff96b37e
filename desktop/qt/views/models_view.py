"""Models: the registry's versions by layer; promote, delete, compare two, evaluate one; the selected version's card.

The list refreshes on demand, on connecting, and when a training run finishes (from the live jobs stream).
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.models.endpoints_model import DEPLOYABLE_LAYER
from desktop.models.locations import SYNC_KINDS, RemoteListing, list_remote
from desktop.models.model_compare import compare_rows, headers
from desktop.models.models_model import COLUMNS, LAYER_FILTERS, LOCATION_COLUMN, ModelsModel, card_text
from desktop.models.training_runs import TRAIN_KINDS
from desktop.qt.session import Session
from desktop.qt.theme import SPACING, monospace_font
from desktop.qt.views.endpoints_panel import EndpointsPanel
from desktop.qt.views.evaluation_panel import EvaluationPanel
from desktop.qt.widgets.common import confirm, error_label, muted_label, title
from desktop.qt.widgets.list_refresher import ListRefresher
from desktop.qt.widgets.rows_table import RowsTableModel, make_table, select_keys, selected_keys
from desktop.qt.widgets.sync_action import SyncAction
from protos.omni.v1 import cloud_pb2, jobs_pb2, models_pb2

COLUMN_WIDTHS = {
    "Version": 300,
    "Layer": 80,
    "Tier": 70,
    "Current": 90,
    "Created": 130,
    "Parameters": 100,
    "Size": 90,
    "PSNR": 90,
    "SSIM": 80,
    "MP/s": 70,
}
LISTED_KINDS = sorted({*TRAIN_KINDS, *SYNC_KINDS})  # a finished run registers a version; a pull brings some
CARD_TAB, COMPARE_TAB = 0, 1


class ModelsView(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = ModelsModel()
        self._pending_select: str | None = None  # show_item before the version was listed
        self._syncing = False  # the table is being redrawn from the model: its selection signals are ours

        self.layer = QComboBox()
        for layer, text in LAYER_FILTERS.items():
            self.layer.addItem(text, layer)
        self.layer.currentIndexChanged.connect(lambda _: self.model.set_layer(self.layer.currentData()))
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.error = error_label()
        self.status = muted_label()

        self.table_model = RowsTableModel(COLUMNS, self)
        self.table = make_table(self.table_model, multi=True)
        for column, name in enumerate(COLUMNS):
            if name in COLUMN_WIDTHS:
                self.table.setColumnWidth(column, COLUMN_WIDTHS[name])
        self.table.selectionModel().selectionChanged.connect(self._table_selection_changed)

        self.promote_button = QPushButton("Promote")
        self.promote_button.setToolTip("Make the selected version the current model of its layer and of its tier")
        self.promote_button.clicked.connect(self._promote)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self._delete)
        self.deploy_button = QPushButton("Deploy…")
        self.deploy_button.setToolTip("Serve the selected detector from a SageMaker serverless endpoint")
        self.deploy_button.clicked.connect(self._deploy)
        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("Select two versions (Ctrl+click) to compare them")
        self.compare_button.clicked.connect(self._compare)
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setToolTip("Score the selected restoration version on real photos and scans")
        self.evaluate_button.clicked.connect(self._evaluate)
        self.fine_tune_button = QPushButton("Fine-tune…")
        self.fine_tune_button.setToolTip(
            "Open the Train view with a run that starts from the selected restoration version's weights"
        )
        self.fine_tune_button.clicked.connect(self._fine_tune)
        self.sync_action = SyncAction(session, finished=self.refresh)
        actions = QHBoxLayout()
        actions.addWidget(self.status, 1)
        actions.addWidget(self.sync_action, 1)
        actions.addWidget(self.promote_button)
        actions.addWidget(self.delete_button)
        actions.addWidget(self.deploy_button)
        actions.addWidget(self.compare_button)
        actions.addWidget(self.evaluate_button)
        actions.addWidget(self.fine_tune_button)

        self.card = QPlainTextEdit()
        self.card.setReadOnly(True)
        self.card.setFont(monospace_font())
        self.card.setPlaceholderText("Select a version to see its model card.")
        self.compare_model = RowsTableModel(("", "A", "B", "Change (B - A)"), self)
        self.compare_table = make_table(self.compare_model)
        self.compare_table.setSelectionMode(self.compare_table.SelectionMode.NoSelection)
        self.compare_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.compare_placeholder = muted_label("Select two versions and press Compare.")
        compare_box = QWidget()
        compare_layout = QVBoxLayout(compare_box)
        compare_layout.setContentsMargins(0, 0, 0, 0)
        compare_layout.addWidget(self.compare_placeholder)
        compare_layout.addWidget(self.compare_table, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.card, "Model card")
        self.tabs.addTab(compare_box, "Comparison")
        self.evaluation = EvaluationPanel(session)
        self.tabs.addTab(self.evaluation, "Evaluation")
        self.endpoints = EndpointsPanel(session)
        self.tabs.addTab(self.endpoints, "Endpoints")
        self.evaluation.model.changed.connect(self._show_evaluate_button)

        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.table, 1)
        table_layout.addLayout(actions)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(table_box)
        splitter.addWidget(self.tabs)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([320, 380])

        toolbar = QHBoxLayout()
        toolbar.addWidget(
            title("Models", "Every trained version, by layer. The current one is what inference uses."), 1
        )
        toolbar.addWidget(self.layer, 0, Qt.AlignmentFlag.AlignBottom)
        toolbar.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACING * 3, SPACING * 3, SPACING * 3, SPACING * 2)
        layout.setSpacing(SPACING * 2)
        layout.addLayout(toolbar)
        layout.addWidget(self.error)
        layout.addWidget(splitter, 1)

        self.model.rows_changed.connect(self._show_rows)
        self.model.selection_changed.connect(self._show_selection)
        self.refresher = ListRefresher(
            session,
            self,
            lambda connection: connection.list_models(),
            on_result=self._listed,
            on_error=self._list_failed,
            on_clear=self.model.clear,
            kinds=LISTED_KINDS,
            when=lambda job: job.state == jobs_pb2.JOB_STATE_SUCCEEDED,  # only a success registers a version
        )
        self.locations = ListRefresher(  # then where each version lives, when a remote is set (can be slow)
            session,
            self,
            lambda connection: list_remote(lambda: connection.list_models(include_remote=True)),
            on_result=self.model.set_remote_listing,
            on_error=lambda error: self.model.set_remote_listing(RemoteListing(None, f"Locations unknown: {error}")),
            on_clear=lambda: None,
            kinds=LISTED_KINDS,
        )
        session.remote_changed.connect(self.locations.refresh)
        session.connection_model.changed.connect(self._show_status)
        self._show_rows()
        self._show_selection()

    # -- loading --------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """List the registry again (in the background); the selection stays where it can."""
        self.refresher.refresh()
        self.locations.refresh()
        self._show_status()

    def _listed(self, models: list[models_pb2.ModelVersion]) -> None:
        self.error.setVisible(False)
        self.model.set_models(models)
        pending, self._pending_select = self._pending_select, None
        if pending is not None:
            self.show_item(pending, refresh=False)

    def _list_failed(self, error: BaseException) -> None:
        self._show_error(f"Could not list the models: {error}")
        self._show_status()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresher.ensure_loaded()
        self.locations.ensure_loaded()

    def show_item(self, version: str, *, refresh: bool = True) -> None:
        """Select ``version`` (listing the registry again first if we do not know it yet)."""
        model = self.model.model(version)
        if model is None:
            if refresh or self.refresher.loading:  # not listed yet: select it once it is
                self._pending_select = version
            if refresh:
                self.refresh()
            return
        self._pending_select = None
        if self.model.layer and model.layer != self.model.layer:
            self.layer.setCurrentIndex(self.layer.findData(""))
        self.model.select([version])

    # -- model -> widgets -----------------------------------------------------------------------------

    def _show_rows(self) -> None:
        self._syncing = True
        try:
            self.table_model.set_rows(self.model.rows())
            select_keys(self.table, self.table_model, self.model.selected)
        finally:
            self._syncing = False
        self.table.setColumnHidden(LOCATION_COLUMN, not self.model.with_remote)
        self.sync_action.set_target(self.model.sync_target())
        self.status.setToolTip(self.model.remote_note)
        self._show_status()

    def _show_status(self) -> None:
        if self.refresher.loading:
            text = "Loading…"
        elif not self.session.connection_model.connected and not self.model.loaded:
            text = "Not connected to a backend (see Connect)."
        elif not self.model.loaded:
            text = ""
        elif not self.model.models:
            text = "No models yet: train one in the Train view."
        else:
            shown, total = len(self.model.visible()), len(self.model.models)
            noun = "version" if total == 1 else "versions"
            text = f"{shown} of {total} {noun}" if shown != total else f"{total} {noun}"
        self.status.setText(text)

    def _table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if not self._syncing:
            self.model.select(selected_keys(self.table))

    def _show_selection(self) -> None:
        self._syncing = True
        try:
            select_keys(self.table, self.table_model, self.model.selected)
        finally:
            self._syncing = False
        self.promote_button.setEnabled(self.model.can_promote())
        self.delete_button.setEnabled(self.model.can_delete())
        single_version = self.model.single
        self.deploy_button.setEnabled(single_version is not None and single_version.layer == DEPLOYABLE_LAYER)
        self.sync_action.set_target(self.model.sync_target())
        self.compare_button.setEnabled(self.model.can_compare())
        self.fine_tune_button.setEnabled(self.model.fine_tune_target() is not None)
        self.evaluation.model.select(self.model.single)
        single = self.model.single
        if single is not None:
            self.card.setPlainText(card_text(single))
            if self.tabs.currentWidget() is not self.evaluation:
                self.tabs.setCurrentIndex(CARD_TAB)
        elif len(self.model.selected) == 2:
            self.card.setPlainText("")
            self.card.setPlaceholderText("Two versions selected: press Compare to see them side by side.")
        else:
            self.card.setPlainText("")
            self.card.setPlaceholderText("Select a version to see its model card.")

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)
        self.session.notify(text)

    # -- actions --------------------------------------------------------------------------------------

    def _promote(self) -> None:
        model = self.model.single
        if model is None:
            return
        version = model.version
        self.promote_button.setEnabled(False)
        self.session.run(
            lambda connection: connection.promote_model(version),
            owner=self,
            on_result=lambda promoted: self._changed(f"{promoted.version} is now the current {promoted.layer} model"),
            on_error=lambda error: self._failed(f"Could not promote {version}", error),
        )

    def _delete(self) -> None:
        model = self.model.single
        if model is None:
            return
        version = model.version
        question = f"Delete {version}? Its weights, ONNX export and model card are removed from the registry."
        if not confirm(self, "Delete model version", question):
            return
        self.delete_button.setEnabled(False)
        self.session.run(
            lambda connection: connection.delete_model(version),
            owner=self,
            on_result=lambda _: self._changed(f"Deleted {version}"),
            on_error=lambda error: self._failed(f"Could not delete {version}", error),
        )

    def _deploy(self) -> None:
        model = self.model.single
        if model is None:
            return
        version = model.version
        question = (
            f"Serve {version} from a SageMaker serverless endpoint (2048 MB, 5 requests at once)? The backend needs "
            "a remote on AWS S3, a role and a region; the job's progress shows in Jobs."
        )
        if not confirm(self, "Deploy to SageMaker", question):
            return
        spec = jobs_pb2.JobSpec(deploy_endpoint=cloud_pb2.DeploySpec(version=version))
        self.session.run(
            lambda connection: connection.submit(spec),
            owner=self,
            on_result=lambda job: self._deploying(version, job),
            on_error=lambda error: self._failed(f"Could not deploy {version}", error),
        )

    def _deploying(self, version: str, job: jobs_pb2.Job) -> None:
        self.session.jobs.upsert(job)
        self.session.notify(f"Deploying {version} to SageMaker: job {job.id}")

    def _changed(self, text: str) -> None:
        self.error.setVisible(False)
        self.session.notify(text)
        self.refresh()

    def _failed(self, what: str, error: BaseException) -> None:
        self._show_error(f"{what}: {error}")
        self._show_selection()

    def _show_evaluate_button(self) -> None:
        refusal = self.evaluation.model.refusal()
        self.evaluate_button.setEnabled(not refusal)
        self.evaluate_button.setToolTip(refusal or "Score the selected restoration version on real photos and scans")

    def _evaluate(self) -> None:
        self.tabs.setCurrentWidget(self.evaluation)
        self.evaluation.evaluate()

    def _fine_tune(self) -> None:
        version = self.model.fine_tune_target()
        if version is not None:
            self.session.request_show("Train", version)

    def _compare(self) -> None:
        pair = self.model.compare_pair()
        if pair is None:
            return
        a, b = pair
        self.compare_button.setEnabled(False)
        self.session.run(
            lambda connection: connection.compare_models(a, b),
            owner=self,
            on_result=self._compared,
            on_error=lambda error: self._failed(f"Could not compare {a} and {b}", error),
        )

    def _compared(self, reply: models_pb2.CompareModelsResponse) -> None:
        self.compare_button.setEnabled(self.model.can_compare())
        self.error.setVisible(False)
        self.compare_model.set_rows(compare_rows(reply), headers(reply))
        self.compare_placeholder.setVisible(False)
        self.tabs.setCurrentIndex(COMPARE_TAB)

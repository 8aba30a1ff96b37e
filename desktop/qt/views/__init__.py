"""The main window's views, in navigation order. A new view is one more ``ViewSpec`` in ``VIEWS``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QStyle, QWidget

from desktop.qt.session import Session
from desktop.qt.views.annotate import AnnotateView
from desktop.qt.views.batch_view import BatchView
from desktop.qt.views.connect_view import ConnectView
from desktop.qt.views.datasets import DatasetsView
from desktop.qt.views.jobs_view import JobsView
from desktop.qt.views.models_view import ModelsView
from desktop.qt.views.reports_view import ReportsView
from desktop.qt.views.storage_view import StorageView
from desktop.qt.views.train_view import TrainView


@dataclass(frozen=True)
class ViewSpec:
    name: str
    factory: Callable[[Session], QWidget]
    icon: QStyle.StandardPixmap | None = None


VIEWS: list[ViewSpec] = [
    ViewSpec("Connect", ConnectView, QStyle.StandardPixmap.SP_DriveNetIcon),
    ViewSpec("Jobs", JobsView, QStyle.StandardPixmap.SP_FileDialogDetailedView),
    ViewSpec("Annotate", AnnotateView, QStyle.StandardPixmap.SP_DesktopIcon),
    ViewSpec("Datasets", DatasetsView, QStyle.StandardPixmap.SP_DirIcon),
    ViewSpec("Train", TrainView, QStyle.StandardPixmap.SP_MediaPlay),
    ViewSpec("Models", ModelsView, QStyle.StandardPixmap.SP_DriveHDIcon),
    ViewSpec("Batch", BatchView, QStyle.StandardPixmap.SP_DialogApplyButton),
    ViewSpec("Reports", ReportsView, QStyle.StandardPixmap.SP_FileDialogContentsView),
    ViewSpec("Storage", StorageView, QStyle.StandardPixmap.SP_DirLinkIcon),
]

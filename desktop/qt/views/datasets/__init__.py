"""The Datasets view: list, create, delete, import, export, statistics, classes, open in Annotate."""

from desktop.qt.views.datasets.view import DatasetsView

__all__ = ["DatasetsView"]

"""The Annotate view: canvas, filmstrip, classes and status, conflict banner, shortcuts."""

from desktop.qt.views.annotate.view import AnnotateView

__all__ = ["AnnotateView"]

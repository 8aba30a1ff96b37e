"""Qt-free state of the Annotate view: one dataset's images, boxes, edits, saving and shortcuts.

``AnnotationSession`` (session.py) is the view-model the canvas draws; the other modules are its parts:
boxes and geometry, the undo stack, the on-disk journal, the autosaver, image paging and the image cache.
"""

from desktop.models.annotate.boxes import Box, ImageState
from desktop.models.annotate.session import AnnotationSession

__all__ = ["AnnotationSession", "Box", "ImageState"]

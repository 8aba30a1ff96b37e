"""``SuggestBoxes``: the current (or a named) detector on one dataset image, as boxes with confidence.

Runs in the server process but never touches a model: the image bytes come from the dataset store here,
the detection runs in the helper process (``helper_process``), and the result is mapped back to the
dataset's classes here. Nothing is saved: the annotator accepts or rejects each suggestion.
"""

from __future__ import annotations

from backend.datasets.service import DatasetService
from backend.detection.helper_process import DetectorHelper
from backend.detection.models import resolve_detector
from backend.detection.params import DetectOptions, validate_options
from backend.detection.suggest import SuggestResult, class_mapping, to_boxes
from backend.registry.shared import open_registry
from backend.storage.local import local_file
from backend.workspace import Workspace
from omni_core.errors import InvalidArgument


class SuggestService:
    def __init__(self, workspace: Workspace, helper: DetectorHelper | None = None) -> None:
        self.workspace = workspace
        self.helper = helper or DetectorHelper(workspace.root)

    def suggest(self, dataset: str, image_id: str, options: DetectOptions) -> SuggestResult:
        if not dataset:
            raise InvalidArgument("dataset", "is required")
        if not image_id:
            raise InvalidArgument("image_id", "is required")
        checked = validate_options(options)
        datasets = DatasetService.for_workspace(self.workspace)
        record = datasets.get_dataset(dataset)
        image = datasets.get_image(dataset, image_id, 0)
        model = resolve_detector(open_registry(self.workspace.store, self.workspace.state_dir), checked.model)
        onnx = local_file(self.workspace.store, model.files["onnx"], self.workspace.state_dir / "detection-cache")
        reply = self.helper.detect(
            {
                "onnx": str(onnx),
                "image": image.data,
                "conf": checked.conf,
                "iou": checked.iou,
                "max_det": checked.max_det,
                "require_provider": checked.require_provider,
            }
        )
        mapping = class_mapping(reply["names"], record)
        boxes = to_boxes(reply["detections"], reply["width"], reply["height"], mapping)
        return SuggestResult(
            boxes=boxes,
            model_version=model.version,
            provider=reply["provider"],
            unmapped=list(mapping.unmapped),
            width=reply["width"],
            height=reply["height"],
            seconds=reply["seconds"],
        )

    def close(self) -> None:
        self.helper.close()

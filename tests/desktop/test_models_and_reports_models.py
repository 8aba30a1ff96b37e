"""The Models and Reports view-models without Qt: rows, selection rules, the comparison table, report images."""

from __future__ import annotations

import base64
import json

from google.protobuf.timestamp_pb2 import Timestamp

from desktop.models.model_compare import compare_rows, format_metric, headers, verdict
from desktop.models.models_model import CURRENT_MARK, ModelsModel, card_text
from desktop.models.report_html import extract_images, report_row
from desktop.models.reports_model import ReportsModel
from protos.omni.v1 import jobs_pb2, models_pb2, reports_pb2, storage_pb2

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def version(name: str, layer: str, created: int, *, current: bool = False, **metrics: float) -> models_pb2.ModelVersion:
    card = {"architecture": "layer1", "preset": "layer1-tiny", "epochs": 2, "network": {"num_blocks": [1, 1]}}
    return models_pb2.ModelVersion(
        version=name,
        kind="restoration",
        layer=layer,
        current=current,
        created_at=Timestamp(seconds=created),
        metrics=metrics,
        architecture="layer1",
        parameters=35747,
        size_bytes=308027,
        card_json=json.dumps(card),
    )


def test_rows_filter_and_selection_rules() -> None:
    model = ModelsModel()
    model.set_models(
        [
            version("old", "layer_1", 1, current=True, psnr=20.0, ssim=0.7),
            version("new", "layer_1", 3, psnr=21.234, ssim=0.71234),
            version("big", "layer_2", 2),
        ]
    )
    rows = model.rows()
    assert [row.key for row in rows] == ["new", "big", "old"]  # newest first
    assert rows[0].cells[5:9] == ("35,747", "300.8 KiB", "21.23 dB", "0.7123")
    assert rows[2].cells[3] == CURRENT_MARK and rows[2].tone(3) == "current"
    model.select(["old"])
    assert not model.can_promote() and model.can_delete() and not model.can_compare()  # the server says why
    model.select(["new", "old"])
    assert model.can_compare() and not model.can_delete()
    assert model.compare_pair() == ("old", "new")  # older first: the change reads as what the newer did
    model.set_layer("layer_2")
    assert [row.key for row in model.rows()] == ["big"]
    assert model.selected == []  # hidden rows are not selected
    assert '"num_blocks": [1, 1]' in card_text(model.models[0])


def test_fine_tune_needs_one_restoration_version_with_weights_on_this_backend() -> None:
    weighted = version("here", "layer_1", 1)
    weighted.files["weights"] = "models/layer_1/here/model.pt"
    remote = models_pb2.ModelVersion()
    remote.CopyFrom(weighted)
    remote.version, remote.location = "there", storage_pb2.LOCATION_REMOTE
    detector = models_pb2.ModelVersion(version="yolo", kind="detector", layer="detector", files={"weights": "w.pt"})
    model = ModelsModel()
    model.set_models([weighted, remote, detector, version("onnx_only", "layer_1", 2)])
    targets = {}
    for name in ("here", "there", "yolo", "onnx_only"):
        model.select([name])
        targets[name] = model.fine_tune_target()
    assert targets == {"here": "here", "there": None, "yolo": None, "onnx_only": None}
    model.select(["here", "onnx_only"])
    assert model.fine_tune_target() is None  # two selected: which one?


def test_compare_rows_judge_each_metric_by_its_better_side() -> None:
    a = version("a", "layer_1", 1, psnr=20.0, ssim=0.70, val_loss=0.20, input_psnr=17.0)
    b = version("b", "layer_1", 2, psnr=21.5, ssim=0.69, val_loss=0.15, input_psnr=17.0)
    b.parameters = 40000
    reply = models_pb2.CompareModelsResponse(
        a=a,
        b=b,
        metrics=[
            models_pb2.MetricComparison(name="input_psnr", a=17.0, b=17.0, change=0.0),
            models_pb2.MetricComparison(name="psnr", a=20.0, b=21.5, change=1.5),
            models_pb2.MetricComparison(name="ssim", a=0.70, b=0.69, change=-0.01),
            models_pb2.MetricComparison(name="val_loss", a=0.20, b=0.15, change=-0.05),
            models_pb2.MetricComparison(name="map50", b=0.4),  # only B has it: no change
        ],
    )
    assert headers(reply) == ("", "A: a", "B: b", "Change (B - A)")
    rows = {row.key: row for row in compare_rows(reply)}
    assert rows["section:Metrics"].tone(0) == "bold"
    assert rows["metric:psnr"].cells == ("PSNR", "20.00 dB", "21.50 dB", "+1.50 dB")
    assert rows["metric:psnr"].tone(3) == "good"
    assert rows["metric:ssim"].tone(3) == "bad"
    assert rows["metric:val_loss"].cells[3] == "-0.0500" and rows["metric:val_loss"].tone(3) == "good"
    assert rows["metric:input_psnr"].tone(3) == ""
    assert rows["metric:map50"].cells[1:] == ("—", "0.4000", "")
    assert rows["card:parameters"].cells[1:] == ("35,747", "40,000", "+4,253")
    assert rows["card:architecture"].cells[3] == "same" and rows["card:architecture"].tone(3) == "muted"
    assert rows["card:preset"].cells[1] == "layer1-tiny"


def test_metric_formats_and_verdicts() -> None:
    assert format_metric("improved_fraction", 0.25) == "25%"
    assert format_metric("improved_fraction", 0.05, signed=True) == "+5.0%"
    assert format_metric("lr", 0.0001) == "0.0001"
    assert verdict("psnr", 0.0) == "" and verdict("train_loss", 0.1) == "bad" and verdict("unknown", 1.0) == ""


def test_extract_images_swaps_data_urls_for_named_resources() -> None:
    data = base64.b64encode(PNG_1PX).decode()
    html = (
        f"<p><img alt='loss' src='data:image/png;base64,{data}'>"
        f'<img src="data:image/PNG;base64,{data[:20]}\n{data[20:]}">'
        "<img src='data:image/png;base64,@@@'>"
        "<img src='plain.png'></p>"
    )
    rewritten, images = extract_images(html)
    assert [image.url for image in images] == ["report://img0", "report://img1"]
    assert all(image.data == PNG_1PX and image.mime == "image/png" for image in images)
    assert "src='report://img0'" in rewritten and 'src="report://img1"' in rewritten
    assert "base64,@@@" in rewritten and "plain.png" in rewritten  # left alone
    assert extract_images("<p>no images</p>") == ("<p>no images</p>", [])


def test_reports_model_caches_content_per_report_and_format() -> None:
    model = ReportsModel()
    summary = reports_pb2.ReportSummary(id="r1", state="failed", title="T", model_version="")
    model.set_reports([summary, reports_pb2.ReportSummary(id="r2", state="succeeded")])
    row = report_row(summary)
    assert row.cells[:3] == ("r1", "failed", "T") and row.state == jobs_pb2.JOB_STATE_FAILED
    assert model.wanted() is None
    model.select("r1")
    assert model.wanted() == ("r1", "html")
    shown: list[int] = []
    model.content_changed.connect(lambda: shown.append(1))
    model.set_content("r1", "html", "<p>hi</p>")
    assert model.content() == "<p>hi</p>" and model.wanted() is None and shown == [1]
    model.set_format("text")
    assert model.wanted() == ("r1", "text") and model.content() is None
    model.set_content("r1", "text", "hi")
    model.set_reports([reports_pb2.ReportSummary(id="r2")])  # r1 is gone: deselected and forgotten
    assert model.selected_id is None and model.content("r1", "html") is None

"""Models, reports, datasets (upload, annotations round trip, image bytes) and artifact downloads over HTTP,
against a real backend; plus the OpenAPI document and the offline /docs page."""

from __future__ import annotations

import hashlib
import io
import json
import uuid

from openapi_spec_validator import validate
from PIL import Image

from backend.rpc.server import Backend
from tests.backend.http.conftest import Answer, Api


def _png(color: tuple[int, int, int], size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def _multipart(files: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = b""
    for name, data in files.items():
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                "Content-Type: image/png\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _upload(api: Api, dataset: str, files: dict[str, bytes]) -> Answer:
    body, content_type = _multipart(files)
    return api.request("POST", f"/v1/datasets/{dataset}/images:upload", body, headers={"Content-Type": content_type})


def test_models_and_reports(http_backend: Backend, api: Api) -> None:
    assert api.request("GET", "/v1/models").json() == {"models": []}
    absent = "restoration_layer2_20261123_181500"
    assert api.request("GET", f"/v1/models/{absent}").status == 404
    assert api.request("GET", "/v1/models/nope").status == 400  # not a version name: the backend says why
    assert api.request("GET", f"/v1/models:compare?a={absent}&b={absent}").status == 404
    report = {"id": "train_restoration_1", "kind": "train_restoration", "title": "layer 2", "state": "succeeded",
              "created_at": 1_700_000_000.0, "model_version": ""}  # fmt: skip
    http_backend.workspace.store.put_bytes(
        "training-outputs/reports/train_restoration_1/report.json", json.dumps(report).encode()
    )
    listed = api.request("GET", "/v1/reports").json()["reports"]
    assert [(r["id"], r["kind"], r["state"]) for r in listed] == [
        ("train_restoration_1", "train_restoration", "succeeded")
    ]
    wrapped = api.request("GET", "/v1/reports/train_restoration_1?format=json").json()
    assert json.loads(wrapped["content"])["title"] == "layer 2"
    raw = api.request("GET", "/v1/reports/train_restoration_1/content?format=json")
    assert raw.status == 200 and raw.headers["Content-Type"].startswith("application/json")
    assert raw.json()["id"] == "train_restoration_1"
    assert api.request("GET", "/v1/reports/nope/content?format=json").status == 404
    bad = api.request("GET", "/v1/reports/train_restoration_1?format=pdf")
    assert bad.status == 400 and bad.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_dataset_create_upload_annotations_round_trip(api: Api) -> None:
    created = api.request("POST", "/v1/datasets", {"name": "parts", "classes": ["dent", "rust"]})
    assert created.status == 200, created.body
    assert [c["name"] for c in created.json()["classes"]] == ["dent", "rust"]
    assert api.request("POST", "/v1/datasets", {"name": "parts"}).status == 409
    red, blue = _png((200, 0, 0)), _png((0, 0, 200))
    uploaded = _upload(api, "parts", {"a/red.png": red, "blue.png": blue})
    assert uploaded.status == 200, uploaded.body
    results = {r["filename"]: r for r in uploaded.json()["results"]}
    assert results["a/red.png"]["imageId"] == hashlib.sha256(red).hexdigest() and not results["a/red.png"]["error"]
    images = api.request("GET", "/v1/datasets/parts/images?order_by=filename").json()
    assert images["total"] == "2" and sorted(i["filename"] for i in images["images"]) == ["a/red.png", "blue.png"]
    image_id = results["blue.png"]["imageId"]
    content = api.request("GET", f"/v1/datasets/parts/images/{image_id}/content")
    assert content.status == 200 and content.headers["Content-Type"] == "image/png" and content.body == blue
    before = api.request("GET", f"/v1/datasets/parts/images/{image_id}/annotations").json()
    assert before["boxes"] == [] and before["revision"] == "0"
    box = {"classId": 1, "xCenter": 0.5, "yCenter": 0.5, "width": 0.25, "height": 0.5}
    saved = api.request(
        "PUT", f"/v1/datasets/parts/images/{image_id}/annotations",
        {"baseRevision": "0", "boxes": [box], "status": "IMAGE_STATUS_DONE", "editor": "curl"},
    )  # fmt: skip
    assert saved.status == 200, saved.body
    after = api.request("GET", f"/v1/datasets/parts/images/{image_id}/annotations").json()
    assert after["revision"] == "1" and after["updatedBy"] == "curl"
    assert after["boxes"][0]["classId"] == 1 and after["boxes"][0]["width"] == 0.25
    stale = api.request("PUT", f"/v1/datasets/parts/images/{image_id}/annotations", {"baseRevision": "0", "boxes": []})
    assert stale.status == 409 and stale.json()["error"]["status"] == "ABORTED"
    stats = api.request("GET", "/v1/datasets/parts/stats").json()
    assert stats["boxCount"] == "1" and stats["boxesByClass"] == {"dent": "0", "rust": "1"}
    assert _upload(api, "missing", {"x.png": red}).status == 404
    no_files = api.request("POST", "/v1/datasets/parts/images:upload", {"files": []})
    assert no_files.status == 400 and no_files.json()["error"]["field_violations"][0]["field"] == "Content-Type"


def test_artifact_download_streams_the_bytes(http_backend: Backend, api: Api) -> None:
    data = bytes(range(256)) * 9000  # 2.3 MB: several gRPC chunks
    key = "models/layer_2/restoration_layer2_20260101T000000Z/model.onnx"
    http_backend.workspace.store.put_bytes(key, data)
    listed = api.request("GET", "/v1/artifacts?prefix=models/").json()["artifacts"]
    assert [a["key"] for a in listed] == [key]
    download = api.request("GET", f"/v1/artifacts/{key}")
    assert download.status == 200 and download.body == data
    assert download.headers["Content-Length"] == str(len(data))
    assert 'filename="model.onnx"' in download.headers["Content-Disposition"]
    assert api.request("GET", "/v1/artifacts/models/none.onnx").status == 404
    assert api.request("GET", "/v1/artifacts/../etc/passwd").status in (400, 403, 404)


def test_openapi_and_offline_docs(api: Api) -> None:
    document = api.request("GET", "/openapi.json", token=None).json()
    validate(document)  # OpenAPI 3.1, checked by a validator of the specification
    assert document["openapi"].startswith("3.1")
    submit = document["paths"]["/v1/jobs"]["post"]
    assert submit["x-grpc-method"] == "/omni.v1.Jobs/SubmitJob"
    schemas = document["components"]["schemas"]
    job = schemas["omni.v1.Job"]["properties"]
    assert job["lastSeq"] == {"type": "string", "format": "int64"}  # proto3 JSON: int64 as a string
    assert job["state"] == {"$ref": "#/components/schemas/omni.v1.JobState"}
    assert "JOB_STATE_RUNNING" in schemas["omni.v1.JobState"]["enum"]
    assert "createdAt" in job and "created_at" not in job
    assert "synthRestoration" in schemas["omni.v1.JobSpec"]["description"]  # the oneof is described
    params = {p["name"] for p in document["paths"]["/v1/jobs"]["get"]["parameters"]}
    assert {"states", "kinds", "page_size", "page_token"} <= params
    docs = api.request("GET", "/docs", token=None)
    assert docs.status == 200 and docs.headers["Content-Type"].startswith("text/html")
    page = docs.body.decode()
    assert "/v1/jobs/{job_id}:cancel" in page and "omni.v1.Job" in page
    assert "<script" not in page and "http://" not in page and "https://" not in page  # nothing to fetch

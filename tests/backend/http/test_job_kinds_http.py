"""GET /v1/jobKinds: the described job kinds in protobuf's JSON mapping (what an n8n workflow reads)."""

from __future__ import annotations

from omni_core.jobkinds import JOB_KINDS, TRAIN_RESTORATION
from tests.backend.http.conftest import Api


def test_job_kinds_over_http(api: Api) -> None:
    answer = api.request("GET", "/v1/jobKinds")
    assert answer.status == 200, answer.body
    kinds = {kind["kind"]: kind for kind in answer.json()["kinds"]}
    assert list(kinds) == list(JOB_KINDS)
    epochs = next(p for p in kinds["train_restoration"]["parameters"] if p["name"] == "epochs")
    assert epochs["type"] == "PARAMETER_TYPE_INT"
    assert epochs["defaultValue"] == {"intValue": str(TRAIN_RESTORATION["epochs"].default)}  # int64 as a string
    assert epochs["maximum"] == {"intValue": "100000"}
    only = api.request("GET", "/v1/jobKinds?kinds=restore_batch").json()
    assert [kind["kind"] for kind in only["kinds"]] == ["restore_batch"]

"""Bad input over HTTP gets a deliberate 4xx in one JSON shape naming the field, never a 5xx: malformed JSON,
unknown fields, wrong types, bodies over the limit, missing or wrong tokens, unknown ids and routes; and a
seeded fuzz over every route."""

from __future__ import annotations

import json
import os
import random
from typing import Any

import pytest

from backend.http.app import body_limit
from backend.http.routes import build_routes
from backend.rpc.server import SERVICE_NAMES, Backend
from backend.tokens.roles import Role
from backend.tokens.store import TokenStore
from tests.backend.conftest import TOKEN
from tests.backend.http.conftest import Answer, Api


def _error(answer: Answer, code: int) -> dict[str, Any]:
    assert answer.status == code, answer.body
    error = answer.json()["error"]
    assert error["code"] == code and error["status"] and error["message"]
    return dict(error)


def _fields(error: dict[str, Any]) -> list[str]:
    return [v["field"] for v in error.get("field_violations", [])]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"spec": {"synthRestoration": ', "body"),
        (b"[1, 2]", "body"),
        (b"\xff\xfe not utf-8", "body"),
        (b"[" * 100_000, "body"),
        (b'{"spec": {"synthRestoration": {"cnt": 3}}}', "spec.synthRestoration.cnt"),
        (b'{"bogus": true}', "bogus"),
        (b'{"spec": {"synthRestoration": {"count": "many"}}}', "spec.synthRestoration.count"),
        (b'{"spec": {"synth_restoration": {"degradations": "noise"}}}', "spec.synth_restoration.degradations"),
        (b'{"labels": {"a": 1}}', "labels"),
        (b'{"spec": {"synthRestoration": {"count": 1e300}}}', "spec.synthRestoration.count"),
    ],
)
def test_bad_json_bodies_are_400_naming_the_field(api: Api, body: bytes, field: str) -> None:
    error = _error(api.request("POST", "/v1/jobs", body), 400)
    assert error["status"] == "INVALID_ARGUMENT"
    assert _fields(error) == [field]


def test_bad_query_and_path_values_are_400_naming_them(api: Api) -> None:
    assert _fields(_error(api.request("GET", "/v1/jobs?colour=red"), 400)) == ["colour"]
    assert _fields(_error(api.request("GET", "/v1/jobs?page_size=ten"), 400)) == ["page_size"]
    assert _fields(_error(api.request("GET", "/v1/jobs?states=JOB_STATE_NAPPING"), 400)) == ["states"]
    assert _fields(_error(api.request("GET", "/v1/datasets?includeRemote=perhaps"), 400)) == ["includeRemote"]
    assert _fields(_error(api.request("POST", "/v1/jobs?labels=x", {}), 400)) == ["labels"]
    mismatch = api.request("POST", "/v1/jobs/abc:cancel", {"jobId": "other"})
    assert _fields(_error(mismatch, 400)) == ["job_id"]
    resume = api.request("GET", "/v1/jobs/abc/events", headers={"Last-Event-ID": "yesterday"})
    assert _fields(_error(resume, 400)) == ["Last-Event-ID"]


def test_a_body_over_the_limit_is_413(api: Api) -> None:
    submit = next(r for r in build_routes(SERVICE_NAMES) if r.method.name == "SubmitJob")
    limit = body_limit(submit)
    big = json.dumps({"labels": {"k": "v" * limit}}).encode()
    error = _error(api.request("POST", "/v1/jobs", big), 413)
    assert error["status"] == "RESOURCE_EXHAUSTED" and _fields(error) == ["body"]
    assert str(limit) in error["message"]
    # under the JSON limit but over the message's own (256 KiB for a job): 413 as well
    labels = {f"k{i}": "v" * 250 for i in range(64)}
    spec = {"spec": {"synthRestoration": {"count": 1, "out": "x", "degradations": ["d" * 4000] * 70}}, "labels": labels}
    assert _error(api.request("POST", "/v1/jobs", spec), 413)["status"] == "RESOURCE_EXHAUSTED"


def test_tokens_are_checked_by_the_grpc_side_and_never_echoed(api: Api) -> None:
    missing = _error(api.request("GET", "/v1/jobs", token=None), 401)
    assert missing["status"] == "UNAUTHENTICATED"
    wrong = api.request("GET", "/v1/jobs", token="guess-" + TOKEN[:4])
    assert _error(wrong, 401)["status"] == "UNAUTHENTICATED"
    assert b"guess-" not in wrong.body and TOKEN.encode() not in wrong.body
    for method, path in (("POST", "/v1/jobs"), ("GET", "/v1/jobs/x/events"), ("GET", "/v1/artifacts/a.bin")):
        assert api.request(method, path, {} if method == "POST" else None, token=None).status == 401
    assert api.request("GET", "/healthz", token=None).json() == {"status": "SERVING"}


def test_unknown_ids_routes_and_methods(api: Api) -> None:
    assert _error(api.request("GET", "/v1/jobs/no-such-job"), 404)["status"] == "NOT_FOUND"
    assert _error(api.request("POST", "/v1/jobs/no-such-job:cancel"), 404)["status"] == "NOT_FOUND"
    assert _error(api.request("GET", "/v1/jobs/no-such-job/events"), 404)["status"] == "NOT_FOUND"
    assert _error(api.request("GET", "/v2/everything"), 404)["status"] == "NOT_FOUND"
    assert _error(api.request("DELETE", "/v1/jobs"), 405)["message"] == "/v1/jobs takes GET, POST"


# -- fuzz -----------------------------------------------------------------------------------------------

#: routes that would reach out to AWS (no network here: slow retries, not the gateway's behaviour)
NETWORK = ("/v1/cloud/", "/v1/storage/remote:check", "/v1/storage/sync")
JUNK: list[Any] = [None, True, 0, -1, 2**63, 1.5, "", "x", "\u00e9\u4e2d\U0001f600", "\x00", "a" * 5000, [],
                   [1, "a", None], {}, {"a": {"b": {"c": []}}}, "JOB_STATE_RUNNING", "../../etc/passwd"]  # fmt: skip


def _junk_value(rng: random.Random, depth: int = 0) -> Any:
    if depth < 2 and rng.random() < 0.3:
        return {rng.choice(["spec", "name", "count", "x", "synthRestoration", "boxes"]): _junk_value(rng, depth + 1)}
    return rng.choice(JUNK)


def _junk_segment(rng: random.Random) -> str:
    return rng.choice(["x", "%2F..%2F", "%00", "a" * 300, "%E2%82%AC", "job_1", "-", "%25", "..", "a:b"])


def test_seeded_fuzz_never_answers_5xx(api: Api) -> None:
    rng = random.Random(int(os.environ.get("OMNI_FUZZ_SEED", "1515")))
    routes = [r for r in build_routes(SERVICE_NAMES) if not r.template.text.startswith(NETWORK)]
    for _ in range(300):
        route = rng.choice(routes)
        path = route.template.text
        for field in route.template.fields:
            pattern = "{" + field + ("=**}" if "{" + field + "=**}" in path else "}")
            path = path.replace(pattern, _junk_segment(rng))
        query = "&".join(
            f"{rng.choice(['page_size', 'states', 'x', 'spec.count', 'after_seq', 'format'])}="
            f"{rng.choice(['1', '-5', 'zz', '', '%00', 'JOB_STATE_RUNNING', '99999999999999999999'])}"
            for _ in range(rng.randint(0, 2))
        )
        body: bytes | None = None
        if route.body:
            body = rng.choice(
                [json.dumps({rng.choice(["spec", "name", "boxes", "bogus"]): _junk_value(rng)}).encode(),
                 json.dumps(_junk_value(rng)).encode(), bytes(rng.getrandbits(8) for _ in range(40)), b"{", b""]
            )  # fmt: skip
        target = path + (f"?{query}" if query else "")
        answer = api.request(route.http_method, target, body, timeout=60, stream=route.server_streaming)
        assert answer.status < 500, (route.http_method, path, query, body, answer.body)
        if answer.status >= 400:
            assert "error" in answer.json() and len(answer.body) < 4096  # a long junk value is not echoed whole


def test_named_token_roles_hold_over_http(api: Api, http_backend: Backend) -> None:
    """The gateway decides nothing: an annotator's token reaches datasets over HTTP and is refused jobs (403,
    naming the role needed and the token's name), exactly as over gRPC; a revoked token is 401 on its next call."""
    store = TokenStore(http_backend.workspace.state_dir)
    record, secret = store.create("ann", Role.ANNOTATOR)
    assert api.request("GET", "/v1/datasets", token=secret).status == 200
    refused = _error(api.request("POST", "/v1/jobs", {"spec": {}}, token=secret), 403)
    assert refused["status"] == "PERMISSION_DENIED"
    assert "operator" in refused["message"] and "ann" in refused["message"] and secret not in refused["message"]
    store.revoke(record.name)
    assert _error(api.request("GET", "/v1/datasets", token=secret), 401)["status"] == "UNAUTHENTICATED"

"""Named tokens and roles on a real loopback backend: each role reaches what the table allows and is refused
the rest with the role needed; revocation counts from the next call; the token is hashed at rest and never
listed; edits and submissions record the token's name; and every method of every service has a role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor_pool

from backend.rpc.jobs_servicer import SUBMITTED_BY_LABEL
from backend.rpc.method_roles import METHOD_ROLES, OPEN_METHOD_PREFIXES, required_role
from backend.rpc.server import SERVICE_NAMES, Backend
from backend.tokens.roles import Role
from desktop.client import BackendError, BackendTarget, Connection
from protos.omni.v1 import jobs_pb2, jobs_pb2_grpc, models_pb2, tokens_pb2
from tests.backend.conftest import TOKEN
from tests.backend.datasets.test_datasets_rpc import add_images
from tests.helpers import restoration_spec

ROLES = {"ann": tokens_pb2.ROLE_ANNOTATOR, "op": tokens_pb2.ROLE_OPERATOR, "boss": tokens_pb2.ROLE_ADMIN}


def connect(backend: Backend, token: str) -> Connection:
    return Connection(BackendTarget(f"127.0.0.1:{backend.port}", token=token))


@pytest.fixture
def held(backend: Backend) -> Backend:
    backend.manager.hold()  # jobs submitted here are recorded, none runs
    return backend


@pytest.fixture
def tokens(held: Backend) -> Iterator[dict[str, str]]:
    """A token of each role, created by the server's own token (an admin)."""
    with connect(held, TOKEN) as admin:
        yield {name: admin.create_token(name, role).token for name, role in ROLES.items()}


def outcome(call: Callable[[], object]) -> str:
    """ "denied" for PERMISSION_DENIED, else "allowed": any other answer got past the role check."""
    try:
        call()
    except BackendError as error:
        return "denied" if error.code == "PERMISSION_DENIED" else "allowed"
    return "allowed"


def test_every_method_of_every_service_has_a_role() -> None:
    pool = descriptor_pool.Default()
    served = [pool.FindServiceByName(name) for name in (*SERVICE_NAMES, "grpc.reflection.v1alpha.ServerReflection")]
    methods = {f"/{service.full_name}/{method.name}" for service in served for method in service.methods}
    missing = sorted(m for m in methods if m not in METHOD_ROLES and not m.startswith(OPEN_METHOD_PREFIXES))
    assert missing == [], f"add these methods to backend/rpc/method_roles.py: {missing}"
    assert sorted(set(METHOD_ROLES) - methods) == []  # and none that no longer exists
    assert required_role("/omni.v1.Unknown/Anything") == Role.ADMIN  # fail closed


def test_each_role_reaches_what_the_table_allows(held: Backend, tokens: dict[str, str], tmp_path: Path) -> None:
    calls: dict[str, Callable[[Connection], object]] = {
        "system info": lambda c: c.system_info(),
        "list datasets": lambda c: c.list_datasets(),
        "get a dataset": lambda c: c.get_dataset("nope"),  # NOT_FOUND: past the role check
        "list jobs": lambda c: c.list_jobs(limit=1),
        "submit a job": lambda c: c.submit(restoration_spec(tmp_path / "o")),
        "create a dataset": lambda c: c.create_dataset("made"),
        "list models": lambda c: c._call(c.models.ListModels, models_pb2.ListModelsRequest()),
        "list tokens": lambda c: c.list_tokens(),
    }
    seen = {}
    for name, token in tokens.items():
        with connect(held, token) as client:
            seen[name] = {what: outcome(lambda call=call, client=client: call(client)) for what, call in calls.items()}
    assert {what for what, result in seen["ann"].items() if result == "allowed"} == {
        "system info",
        "list datasets",
        "get a dataset",
    }
    assert {what for what, result in seen["op"].items() if result == "allowed"} == set(calls) - {"list tokens"}
    assert set(seen["boss"].values()) == {"allowed"}


def test_a_refusal_names_the_role_needed_and_the_token_not_its_secret(held: Backend, tokens: dict[str, str]) -> None:
    with connect(held, tokens["ann"]) as client, pytest.raises(BackendError) as caught:
        client.list_jobs(limit=1)
    assert caught.value.code == "PERMISSION_DENIED"
    assert "'ann'" in caught.value.message and "operator" in caught.value.message
    assert tokens["ann"] not in caught.value.message


def test_revoked_tokens_are_refused_on_the_next_call(held: Backend, tokens: dict[str, str]) -> None:
    with connect(held, tokens["op"]) as client, connect(held, TOKEN) as admin:
        client.list_jobs(limit=1)
        admin.revoke_token("op")
        with pytest.raises(BackendError) as caught:
            client.list_jobs(limit=1)
        assert caught.value.code == "UNAUTHENTICATED"
        assert [t.name for t in admin.list_tokens()] == ["ann", "boss"]
        with pytest.raises(BackendError) as again:
            admin.revoke_token("op")
        assert again.value.code == "NOT_FOUND" and [v.field for v in again.value.violations] == ["name"]


def test_names_are_checked_and_unique(held: Backend, tokens: dict[str, str]) -> None:
    with connect(held, tokens["boss"]) as admin:
        for bad in ("", "Alice", "a b", "server-token", "x" * 64):
            with pytest.raises(BackendError) as caught:
                admin.create_token(bad)
            assert caught.value.code == "INVALID_ARGUMENT" and caught.value.violations[0].field == "name"
        with pytest.raises(BackendError) as taken:
            admin.create_token("ann")
        assert taken.value.code == "ALREADY_EXISTS"
        fresh = admin.create_token("carol")  # no role: the least
    assert fresh.info.role == tokens_pb2.ROLE_ANNOTATOR and fresh.token.startswith("omni_")


def test_tokens_are_hashed_at_rest_and_never_listed(held: Backend, tokens: dict[str, str]) -> None:
    with connect(held, tokens["ann"]) as client:
        client.system_info()  # used: last_used_at is set
    with connect(held, TOKEN) as admin:
        listed = admin.list_tokens()
        raw = admin._call(admin.tokens.ListTokens, tokens_pb2.ListTokensRequest()).SerializeToString()
    assert {t.name: t.role for t in listed} == ROLES
    assert next(t for t in listed if t.name == "ann").last_used_at.seconds > 0
    assert next(t for t in listed if t.name == "op").last_used_at.seconds == 0
    files = [path for path in held.workspace.root.rglob("*") if path.is_file()]
    assert any(path.name == "tokens.sqlite3" for path in files)
    for secret in tokens.values():
        assert secret.encode() not in raw
        random_part = secret.removeprefix("omni_").encode()
        for path in files:
            assert random_part not in path.read_bytes(), path
    assert (held.workspace.state_dir / "tokens.sqlite3").stat().st_mode & 0o077 == 0


def test_edits_and_jobs_record_the_tokens_name(held: Backend, tokens: dict[str, str], tmp_path: Path) -> None:
    with connect(held, TOKEN) as admin:
        admin.create_dataset("ds")
    (image,) = add_images(held, "ds", 1)
    with connect(held, tokens["ann"]) as annotator:
        saved = annotator.save_annotations("ds", image, base_revision=0, boxes=[], editor="someone-else")
    assert saved.updated_by == "ann"  # the token's name, not what the client claims
    with connect(held, tokens["op"]) as operator:
        job = operator.submit(restoration_spec(tmp_path / "o"))
    assert job.labels[SUBMITTED_BY_LABEL] == "op"
    with connect(held, TOKEN) as admin:  # the server's own token names no one: the client's word stands
        again = admin.save_annotations("ds", image, base_revision=1, boxes=[], editor="desk-user")
    assert again.updated_by == "desk-user"


def test_a_stream_is_checked_like_a_unary_call(held: Backend, tokens: dict[str, str]) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{held.port}") as channel:
        jobs = jobs_pb2_grpc.JobsStub(channel)
        as_annotator = (("authorization", f"Bearer {tokens['ann']}"),)
        with pytest.raises(grpc.RpcError) as caught:
            list(jobs.WatchJobs(jobs_pb2.WatchJobsRequest(), metadata=as_annotator, timeout=5))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_an_unreadable_token_store_is_unavailable_not_internal(held: Backend, tokens: dict[str, str]) -> None:
    store = held.workspace.state_dir / "tokens.sqlite3"
    store.write_bytes(b"not a database" * 512)
    with connect(held, tokens["ann"]) as client, pytest.raises(BackendError) as caught:
        client.system_info()
    assert caught.value.code == "UNAVAILABLE" and "cannot read its tokens" in caught.value.message
    with connect(held, TOKEN) as admin:
        assert admin.system_info().caller_token == "server-token"  # the server's own token still works

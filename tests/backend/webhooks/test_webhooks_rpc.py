"""The Webhooks service's answers to bad input, and where secrets may (not) be found afterwards."""

from __future__ import annotations

import logging
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from backend.rpc.server import Backend
from backend.webhooks.signature import new_secret
from backend.webhooks.urls import redact
from desktop.client import BackendError, Connection
from protos.omni.v1 import webhooks_pb2
from tests.backend.webhooks.receiver import Receiver, iter_files
from tests.helpers import restoration_spec, wait_for, wait_for_state


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("", "required"),
        ("ftp://example.com/hook", "http or https"),
        ("file:///etc/passwd", "http or https"),
        ("http:///no-host", "no host"),
        ("example.com/hook", "http or https"),
        ("http://example.com:99999/", "not a URL"),
        ("http://exa mple.com/", "whitespace"),
        ("http://example.com/" + "a" * 3000, "at most 2048"),
    ],
)
def test_bad_urls_are_invalid_argument_naming_url(client: Connection, url: str, why: str) -> None:
    with pytest.raises(BackendError) as caught:
        client.add_webhook(url)
    assert caught.value.code == "INVALID_ARGUMENT"
    assert caught.value.message.startswith("url") and why in caught.value.message


def test_unknown_events_and_bad_secrets_name_their_field(client: Connection) -> None:
    with pytest.raises(BackendError) as caught:
        client.add_webhook("http://127.0.0.1:9/hook", ["job.succeeded", "job.done"])
    assert caught.value.code == "INVALID_ARGUMENT" and caught.value.message.startswith("events")
    assert "'job.done'" in caught.value.message and "model.promoted" in caught.value.message
    for secret in ("short", "whsec_notbase64!", "x" * 200):
        with pytest.raises(BackendError) as caught:
            client.add_webhook("http://127.0.0.1:9/hook", secret=secret)
        assert caught.value.code == "INVALID_ARGUMENT" and caught.value.message.startswith("secret")
        assert secret not in caught.value.message
    assert client.list_webhooks() == []


def test_a_bad_notify_url_queues_no_job(client: Connection, tmp_path: Path) -> None:
    spec = restoration_spec(tmp_path / "pairs", count=1)
    spec.notify_url = "gopher://user:pw@example.com/"
    with pytest.raises(BackendError) as caught:
        client.submit(spec)
    assert caught.value.code == "INVALID_ARGUMENT" and caught.value.message.startswith("spec.notify_url")
    assert "pw" not in caught.value.message
    assert client.list_jobs() == []


def test_unknown_ids_and_bad_pages(client: Connection) -> None:
    for call in (client.remove_webhook, client.test_webhook):
        with pytest.raises(BackendError) as caught:
            call("wh_nope")
        assert caught.value.code == "NOT_FOUND"
        with pytest.raises(BackendError) as caught:
            call("")
        assert caught.value.code == "INVALID_ARGUMENT" and caught.value.message.startswith("webhook_id")
    for kwargs, field in (({"page_token": "x"}, "page_token"), ({"page_size": -1}, "page_size")):
        with pytest.raises(BackendError) as caught:
            client.list_deliveries(**kwargs)  # type: ignore[arg-type]
        assert caught.value.code == "INVALID_ARGUMENT" and caught.value.message.startswith(field)


def test_remove_ends_pending_deliveries(client: Connection) -> None:
    hook = client.add_webhook("http://127.0.0.1:9/nothing-listens").webhook
    client.test_webhook(hook.id)
    client.remove_webhook(hook.id)
    (delivery,) = client.list_deliveries(webhook_id=hook.id).deliveries
    assert delivery.state == webhooks_pb2.DELIVERY_STATE_FAILED
    assert delivery.last_error == "the webhook was removed"
    assert client.list_webhooks() == []


def test_deliveries_page_newest_first(client: Connection) -> None:
    hook = client.add_webhook("http://127.0.0.1:9/nothing-listens").webhook
    made = [client.test_webhook(hook.id).id for _ in range(5)]
    first = client.list_deliveries(page_size=3)
    rest = client.list_deliveries(page_size=3, page_token=first.next_page_token)
    assert [d.id for d in (*first.deliveries, *rest.deliveries)] == made[::-1]
    assert not rest.next_page_token


def test_secrets_and_url_credentials_stay_in_the_webhook_store(
    make_backend: Callable[..., Backend], client: Connection, backend: Backend, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    secret = new_secret()
    password, token = "pw-Zq81x0secret", "tok_9f8e7d6c5b4a39281706"
    with Receiver() as receiver:
        credentialed = receiver.url.replace("http://", f"http://admin:{password}@") + f"?token={token}&x=1"
        hook = client.add_webhook(credentialed, secret=secret)
        assert hook.secret == ""  # given, so never sent back
        assert hook.webhook.url == redact(credentialed)
        assert password not in hook.webhook.url and token not in hook.webhook.url and "x=1" in hook.webhook.url
        spec = restoration_spec(tmp_path / "pairs", count=1)
        spec.notify_url = credentialed
        job = client.submit(spec)
        wait_for_state(client, job.id)
        wait_for(lambda: len(receiver.of_type("job.succeeded")) == 2, what="both deliveries")
        authorization = receiver.of_type("job.succeeded")[0].headers.get("authorization", "")
        assert authorization.startswith("Basic ")  # the URL's user info became Basic auth

    answers = [
        str(client.list_webhooks()),
        str(client.list_deliveries()),
        str(client.get_job(job.id)),
        str(list(client.watch_job(job.id))),
    ]
    state = backend.workspace.state_dir
    webhook_folder = state / "webhooks"
    files = [path for path in iter_files(backend.workspace.root) if webhook_folder not in path.parents]
    assert any(path.name == "jobs.sqlite3" for path in files)
    for needle in (secret, secret.removeprefix("whsec_"), password, token, backend.webhooks.notify_secret):
        for text in answers:
            assert needle not in text
        assert needle not in caplog.text
        for path in files:
            assert needle.encode() not in path.read_bytes(), f"{needle} in {path}"
    assert stat.S_IMODE(webhook_folder.stat().st_mode) == 0o700
    for path in webhook_folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path

"""Webhooks end to end: a real backend, real jobs, real HTTP receivers on loopback checking every signature
with ``backend.webhooks.signature.verify``. Retry timings are shortened through ``WebhookSettings``."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from backend.rpc.server import Backend
from backend.webhooks.signature import verify
from desktop.client import Connection
from protos.omni.v1 import jobs_pb2, webhooks_pb2
from tests.backend.webhooks.conftest import FAST
from tests.backend.webhooks.receiver import Receiver, Silent, closed_port_url
from tests.helpers import restoration_spec, wait_for, wait_for_state

DELIVERED = webhooks_pb2.DELIVERY_STATE_DELIVERED
PENDING = webhooks_pb2.DELIVERY_STATE_PENDING


def _deliveries(client: Connection, **filters: str) -> list[webhooks_pb2.Delivery]:
    return list(client.list_deliveries(**filters).deliveries)  # type: ignore[arg-type]


def test_a_jobs_events_arrive_signed_and_its_notify_url_gets_its_end_once(
    fast_backend: Callable[..., Backend], connect: Callable[[Backend], Connection], tmp_path: Path
) -> None:
    backend = fast_backend()
    client = connect(backend)
    with Receiver() as hooks, Receiver() as notify:
        added = client.add_webhook(hooks.url, ["job.started", "job.succeeded", "job.failed"])
        secret = added.secret
        assert secret.startswith("whsec_") and added.webhook.secret_set

        spec = restoration_spec(tmp_path / "pairs", count=1)
        spec.notify_url = notify.url
        job = client.submit(spec)
        assert not client.get_job(job.id).spec.notify_url  # write-only: it may carry credentials
        wait_for_state(client, job.id)

        started, succeeded = hooks.wait("job.started")[0], hooks.wait("job.succeeded")[0]
        for item in (started, succeeded):
            verify(secret, item.headers, item.body)
            assert item.json["id"] == item.headers["webhook-id"]
            assert item.json["created"].endswith("Z")
        body = succeeded.json["data"]["job"]
        assert (body["id"], body["state"], body["kind"]) == (job.id, "JOB_STATE_SUCCEEDED", "synth_restoration")
        assert body["outputs"]["out"] == str(tmp_path / "pairs")

        end = notify.wait("job.succeeded")[0]
        verify(backend.webhooks.notify_secret, end.headers, end.body)
        time.sleep(0.5)
        assert [item.json["type"] for item in notify.received] == ["job.succeeded"]

        # a worker killed mid-run fails its job: job.failed arrives too
        doomed = client.submit(restoration_spec(tmp_path / "doomed", count=100_000))
        wait_for(lambda: backend.manager.worker_pid(doomed.id), what="the worker to start")
        os.kill(backend.manager.worker_pid(doomed.id) or 0, signal.SIGKILL)
        failed = hooks.wait("job.failed")[0]
        verify(secret, failed.headers, failed.body)
        assert failed.json["data"]["job"]["id"] == doomed.id
        assert "SIGKILL" in failed.json["data"]["job"]["message"]

        mine = _deliveries(client, job_id=job.id)
        assert {(d.event_type, d.webhook_id) for d in mine} == {
            ("job.started", added.webhook.id),
            ("job.succeeded", added.webhook.id),
            ("job.succeeded", ""),
        }
        wait_for(lambda: all(d.state == DELIVERED for d in _deliveries(client, job_id=job.id)), what="all delivered")


def test_a_refusing_receiver_is_retried_and_each_attempt_recorded(
    fast_backend: Callable[..., Backend], connect: Callable[[Backend], Connection]
) -> None:
    client = connect(fast_backend())
    with Receiver(statuses=(500, 503, 200)) as receiver:
        hook = client.add_webhook(receiver.url, ["webhook.test"])
        delivery = client.test_webhook(hook.webhook.id)
        assert delivery.state == PENDING and delivery.event_type == "webhook.test"
        done = wait_for(
            lambda: (d := _deliveries(client, webhook_id=hook.webhook.id)[0]).state == DELIVERED and d,
            what="the delivery to succeed",
        )
        assert (done.attempts, done.last_http_status, done.last_error) == (3, 200, "")
        assert done.delivered_at.seconds and not done.HasField("next_attempt_at")
        ids = {item.headers["webhook-id"] for item in receiver.received}
        assert ids == {delivery.id}  # the same id on every retry: receivers can de-duplicate
        gaps = [b.at - a.at for a, b in zip(receiver.received, receiver.received[1:], strict=False)]
        assert all(gap >= FAST.backoff_first_s * (1 - FAST.jitter) * 0.9 for gap in gaps), gaps
        for item in receiver.received:
            verify(hook.secret, item.headers, item.body)


def test_dead_receivers_neither_delay_jobs_nor_other_receivers(
    fast_backend: Callable[..., Backend], connect: Callable[[Backend], Connection], tmp_path: Path
) -> None:
    timeout_s = 8.0
    backend = fast_backend(webhooks=FAST.__class__(**{**FAST.__dict__, "attempt_timeout_s": timeout_s}))
    client = connect(backend)
    with Silent() as silent, Receiver() as good:
        hung = client.add_webhook(silent.url).webhook
        refused = client.add_webhook(closed_port_url()).webhook
        client.add_webhook(good.url)
        begun = time.monotonic()
        job = client.submit(restoration_spec(tmp_path / "pairs", count=1))
        final = wait_for_state(client, job.id)
        took = time.monotonic() - begun
        assert final.state == jobs_pb2.JOB_STATE_SUCCEEDED
        # delivered on the job's thread, two events to a receiver that never answers would cost 2 x 8 s
        assert took < timeout_s, f"the job took {took:.1f} s"
        arrived = good.wait("job.succeeded")[0]
        finished = final.finished_at.ToMicroseconds() / 1e6
        assert arrived.at - finished < 3.0, "a hung receiver held up the good one"

        refused_row = wait_for(
            lambda: (d := _deliveries(client, webhook_id=refused.id)[0]).attempts >= 1 and d, what="a refused attempt"
        )
        assert refused_row.state == PENDING and refused_row.HasField("next_attempt_at")
        assert refused_row.last_http_status == 0 and "Connect" in refused_row.last_error
        hung_row = wait_for(
            lambda: (d := _deliveries(client, webhook_id=hung.id)[-1]).attempts >= 1 and d,
            timeout=timeout_s + 10,
            what="a timed-out attempt",
        )
        assert hung_row.state == PENDING and "Timeout" in hung_row.last_error
        assert hung_row.next_attempt_at.ToMicroseconds() / 1e6 > hung_row.last_attempt_at.ToMicroseconds() / 1e6
    print(f"\njob with a hung and a refusing receiver: {took:.2f} s; good receiver {arrived.at - finished:.2f} s after")


def test_pending_deliveries_survive_a_restart(
    fast_backend: Callable[..., Backend], connect: Callable[[Backend], Connection]
) -> None:
    slow_retry = FAST.__class__(**{**FAST.__dict__, "backoff_first_s": 2.0, "backoff_max_s": 2.0, "jitter": 0.0})
    first = fast_backend(webhooks=slow_retry)
    client = connect(first)
    with Receiver(statuses=(500, 200)) as receiver:
        hook = client.add_webhook(receiver.url)
        delivery = client.test_webhook(hook.webhook.id)
        wait_for(lambda: _deliveries(client)[0].attempts == 1, what="the first, refused attempt")
        first.stop(grace_s=2.0)
        assert len(receiver.received) == 1

        second = fast_backend(webhooks=slow_retry)  # the same workspace
        client = connect(second)
        done = wait_for(
            lambda: (d := _deliveries(client)[0]).state == DELIVERED and d, what="the delivery after the restart"
        )
        assert (done.id, done.attempts) == (delivery.id, 2)
        assert [item.headers["webhook-id"] for item in receiver.received] == [delivery.id, delivery.id]
        verify(hook.secret, receiver.received[1].headers, receiver.received[1].body)


def test_cancelled_and_interrupted_jobs_are_announced(
    fast_backend: Callable[..., Backend], connect: Callable[[Backend], Connection], tmp_path: Path
) -> None:
    first = fast_backend()
    client = connect(first)
    with Receiver() as receiver:
        hook = client.add_webhook(receiver.url, ["job.cancelled", "job.interrupted"])
        cancelled = client.submit(restoration_spec(tmp_path / "cancelled", count=100_000))
        client.cancel_job(cancelled.id)
        (item,) = receiver.wait("job.cancelled")
        assert item.json["data"]["job"]["id"] == cancelled.id
        assert item.json["data"]["job"]["state"] == "JOB_STATE_CANCELLED"

        running = client.submit(restoration_spec(tmp_path / "running", count=100_000))
        wait_for(lambda: first.manager.worker_pid(running.id), what="the worker to start")
        first.stop(grace_s=3.0)  # the job ends interrupted; its delivery is queued, sent now or after the restart
        fast_backend()
        (item,) = receiver.wait("job.interrupted")
        verify(hook.secret, item.headers, item.body)
        assert (item.json["data"]["job"]["id"], item.json["data"]["job"]["resumable"]) == (running.id, True)


def test_a_delivery_is_given_up_after_its_window_or_at_once_on_410(
    fast_backend: Callable[..., Backend], connect: Callable[[Backend], Connection]
) -> None:
    short_day = FAST.__class__(**{**FAST.__dict__, "give_up_after_s": 1.0})
    client = connect(fast_backend(webhooks=short_day))
    with Receiver(statuses=(500,)) as failing, Receiver(statuses=(410,)) as gone:
        for receiver in (failing, gone):
            hook = client.add_webhook(receiver.url).webhook
            client.test_webhook(hook.id)
            final = wait_for(
                lambda hook_id=hook.id: (
                    (d := _deliveries(client, webhook_id=hook_id)[0]).state == webhooks_pb2.DELIVERY_STATE_FAILED and d
                ),
                what="the delivery to be given up",
            )
            assert not final.HasField("next_attempt_at")
            assert final.attempts == len(receiver.received)
            if receiver is gone:
                assert (final.attempts, final.last_http_status) == (1, 410)
            else:
                assert final.attempts >= 2 and final.last_http_status == 500 and final.last_error.startswith("HTTP 500")

"""The threads that POST due deliveries of the outbox and record what happened.

Jobs never wait on a receiver: an event only writes a row (``WebhookService.publish``); one loop here picks
due rows and hands each to a small pool. At most one delivery per receiver URL is in flight, so a dead or
slow receiver holds one thread for one attempt timeout at a time while the others go on.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from backend.webhooks import signature
from backend.webhooks.settings import WebhookSettings
from backend.webhooks.store import DELIVERED, FAILED, DeliveryRow, WebhookStore
from backend.webhooks.urls import scrub

log = logging.getLogger("omni.webhooks")


def _without_urls(record: logging.LogRecord) -> bool:
    """httpx logs each request with its full URL, credentials included: those lines are dropped (ours say the
    same with the URL redacted)."""
    return not str(record.msg).startswith("HTTP Request:")


logging.getLogger("httpx").addFilter(_without_urls)
USER_AGENT = "omni-studio-webhooks/1"
#: what of a refusing receiver's answer is kept in ``last_error``
ERROR_BODY_CHARS = 200
#: a 410 Gone says "never again" (Standard Webhooks): the delivery is given up at once
GONE = 410


class Deliverer:
    def __init__(
        self, store: WebhookStore, secret_of: Callable[[DeliveryRow], str | None], settings: WebhookSettings
    ) -> None:
        self.store = store
        self.secret_of = secret_of
        self.settings = settings
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._in_flight: set[str] = set()  # receiver URLs with an attempt under way
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=max(1, settings.workers), thread_name_prefix="webhook")
        self._client: httpx.Client | None = None  # one for all threads (httpx's pool is thread-safe), made once
        self._loop: threading.Thread | None = None

    def start(self) -> None:
        self._loop = threading.Thread(target=self._run, name="webhook-deliverer", daemon=True)
        self._loop.start()

    def wake(self) -> None:
        """Look at the outbox now (something was queued)."""
        self._wake.set()

    def stop(self) -> None:
        """Take no new attempt; one under way ends within its timeout and is recorded (or retried next start)."""
        self._stopping.set()
        self._wake.set()
        if self._loop is not None:
            self._loop.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- the loop ---------------------------------------------------------------------------------------------

    def _run(self) -> None:
        # made here, not in start(): its TLS context takes a moment that the backend's start need not wait for
        self._client = httpx.Client(
            timeout=self.settings.attempt_timeout_s,
            follow_redirects=False,
            headers={"user-agent": USER_AGENT},
            limits=httpx.Limits(max_connections=max(1, self.settings.workers)),
        )
        while not self._stopping.is_set():
            try:
                self._dispatch_due()
            except Exception:
                log.exception("webhook deliverer: could not read the outbox")
            self._wake.wait(self._sleep_s())
            self._wake.clear()

    def _sleep_s(self) -> float:
        try:
            due = self.store.next_due_at()
        except Exception:  # noqa: BLE001
            return self.settings.poll_s
        if due is None:
            return self.settings.poll_s
        return min(self.settings.poll_s, max(0.0, due - time.time()))

    def _dispatch_due(self) -> None:
        with self._lock:
            free = self.settings.workers - len(self._in_flight)
            if free <= 0:
                return
            for row in self.store.due(time.time(), limit=free, busy_urls=sorted(self._in_flight)):
                self._in_flight.add(row.url)
                self._pool.submit(self._attempt_and_release, row)

    def _attempt_and_release(self, row: DeliveryRow) -> None:
        try:
            self.attempt(row)
        except Exception:
            log.exception("webhook delivery %s: unexpected error", row.id)
        finally:
            with self._lock:
                self._in_flight.discard(row.url)
            self._wake.set()

    # -- one attempt --------------------------------------------------------------------------------------------

    def attempt(self, row: DeliveryRow) -> None:
        """POST one delivery and record the outcome: delivered, or the next attempt, or given up."""
        secret = self.secret_of(row)
        started = time.time()
        if secret is None:
            self._record_failure(row, started, 0, "no secret to sign with (the webhook was removed)", give_up=True)
            return
        headers = {**signature.sign(secret, row.id, row.body), "content-type": "application/json"}
        deadline = time.monotonic() + self.settings.attempt_timeout_s
        try:
            assert self._client is not None  # attempts run only after the loop made it
            with self._client.stream("POST", row.url, content=row.body, headers=headers) as response:
                status = response.status_code
                text = b""
                if not 200 <= status < 300:
                    for chunk in response.iter_bytes():
                        text += chunk
                        if len(text) >= ERROR_BODY_CHARS or time.monotonic() > deadline:
                            break
        except httpx.HTTPError as error:
            why = scrub(f"{type(error).__name__}: {error}" if str(error) else type(error).__name__, row.url)
            self._record_failure(row, started, 0, why)
            return
        if 200 <= status < 300:
            self.store.update_delivery(
                row.id,
                state=DELIVERED,
                attempts=row.attempts + 1,
                last_attempt_at=started,
                last_status=status,
                last_error="",
                next_attempt_at=0,
                delivered_at=time.time(),
            )
            return
        answer = text[:ERROR_BODY_CHARS].decode(errors="replace").strip()
        why = scrub(f"HTTP {status}" + (f": {answer}" if answer else ""), row.url)
        self._record_failure(row, started, status, why, give_up=status == GONE)

    def _record_failure(self, row: DeliveryRow, started: float, status: int, why: str, give_up: bool = False) -> None:
        attempts = row.attempts + 1
        ended = time.time()  # the wait runs from the end of the attempt: a timeout is not part of it
        next_at = ended + self.settings.backoff_s(attempts, random.random())
        if give_up or next_at > row.created_at + self.settings.give_up_after_s:
            self.store.update_delivery(
                row.id, state=FAILED, attempts=attempts, last_attempt_at=started, last_status=status,
                last_error=why, next_attempt_at=0,
            )  # fmt: skip
            log.warning(
                "webhook delivery %s (%s) given up after %d attempts: %s", row.id, row.event_type, attempts, why
            )
            return
        self.store.update_delivery(
            row.id, attempts=attempts, last_attempt_at=started, last_status=status, last_error=why,
            next_attempt_at=next_at,
        )  # fmt: skip
        log.info("webhook delivery %s attempt %d failed (%s); next in %.0f s", row.id, attempts, why, next_at - ended)

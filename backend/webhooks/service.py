"""Webhooks as the servicer and the event sources see them: subscribe, list, remove, test, publish.

``publish`` only writes delivery rows (one per matching receiver) and wakes the deliverer, so it is cheap
enough to call from a job's supervisor thread. Payloads come in ready (the contract's JSON form); this module
never sees protobuf.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backend.webhooks import signature
from backend.webhooks.deliverer import Deliverer
from backend.webhooks.events import JOB_END_EVENTS, WEBHOOK_TEST, check_events
from backend.webhooks.settings import WebhookSettings
from backend.webhooks.store import PENDING, DeliveryRow, WebhookRow, WebhookStore, private_folder
from backend.webhooks.urls import check_url
from omni_core.errors import FailedPrecondition, InvalidArgument, NotFound

log = logging.getLogger("omni.webhooks")
FOLDER = "webhooks"
NOTIFY_SECRET_FILE = "notify.secret"
NOTIFY_SECRET_ENV = "OMNI_WEBHOOK_SECRET"
#: webhooks one backend keeps (each event is one row per webhook)
MAX_WEBHOOKS = 100
DESCRIPTION_CHARS = 256


def new_delivery_id() -> str:
    return f"msg_{secrets.token_hex(12)}"


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def check_secret(secret: str, field: str = "secret") -> str:
    try:
        signature.secret_key(secret)
    except ValueError as error:
        raise InvalidArgument(field, str(error)) from None
    return secret


def load_notify_secret(folder: Path) -> str:
    """The secret that signs deliveries to jobs' ``notify_url``: ``$OMNI_WEBHOOK_SECRET``, else the workspace's
    ``.omni/webhooks/notify.secret`` (0600), made on first use."""
    given = os.environ.get(NOTIFY_SECRET_ENV, "")
    if given:
        try:
            signature.secret_key(given)
        except ValueError as error:
            raise FailedPrecondition(f"${NOTIFY_SECRET_ENV}: {error}") from None
        return given
    path = private_folder(folder) / NOTIFY_SECRET_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(signature.new_secret() + "\n")
    os.chmod(path, 0o600)
    return path.read_text().strip()


class WebhookService:
    def __init__(self, state_dir: Path, settings: WebhookSettings) -> None:
        folder = state_dir / FOLDER
        self.store = WebhookStore(folder)
        self.notify_secret = load_notify_secret(folder)
        self.settings = settings
        self.deliverer = Deliverer(self.store, self._secret_of, settings)

    def start(self) -> None:
        self.deliverer.start()

    def stop(self) -> None:
        self.deliverer.stop()

    def _secret_of(self, row: DeliveryRow) -> str | None:
        if not row.webhook_id:
            return self.notify_secret
        try:
            return self.store.webhook(row.webhook_id).secret
        except NotFound:  # removed meanwhile
            return None

    # -- subscriptions ------------------------------------------------------------------------------------------

    def add(self, url: str, events: list[str], secret: str = "", description: str = "") -> tuple[WebhookRow, str]:
        """Subscribe ``url``; returns the webhook and the secret if this call generated it (else "")."""
        check_url(url)
        wanted = check_events(events)
        if len(description) > DESCRIPTION_CHARS:
            raise InvalidArgument("description", f"{len(description)} characters, at most {DESCRIPTION_CHARS}")
        generated = "" if secret else signature.new_secret()
        check_secret(secret or generated)
        if len(self.store.webhooks()) >= MAX_WEBHOOKS:
            raise FailedPrecondition(f"this backend keeps at most {MAX_WEBHOOKS} webhooks; remove one first")
        row = WebhookRow(f"wh_{secrets.token_hex(6)}", url, wanted, secret or generated, description, time.time())
        self.store.insert_webhook(row)
        return row, generated

    def webhooks(self) -> list[WebhookRow]:
        return self.store.webhooks()

    def remove(self, webhook_id: str) -> None:
        self.store.delete_webhook(_required(webhook_id, "webhook_id"), time.time())

    def test(self, webhook_id: str) -> DeliveryRow:
        hook = self.store.webhook(_required(webhook_id, "webhook_id"))
        data = {"webhook": {"id": hook.id, "events": hook.events}, "message": "a test delivery from Omni Studio"}
        (row,) = self._enqueue(WEBHOOK_TEST, data, [(hook.id, hook.url)])
        return row

    def deliveries(
        self, *, webhook_id: str = "", job_id: str = "", limit: int = 50, offset: int = 0
    ) -> list[DeliveryRow]:
        return self.store.deliveries(webhook_id=webhook_id, job_id=job_id, limit=limit, offset=offset)

    def set_notify_url(self, job_id: str, url: str) -> None:
        """Deliver this job's end to ``url`` too (checked first: InvalidArgument naming ``spec.notify_url``)."""
        self.store.set_notify_url(job_id, check_url(url, "spec.notify_url"))

    def check_notify_url(self, url: str) -> None:
        check_url(url, "spec.notify_url")

    # -- events ---------------------------------------------------------------------------------------------------

    def publish(self, event_type: str, data: dict[str, Any], *, job_id: str = "", resumed_from: str = "") -> None:
        """Queue one delivery per webhook that wants ``event_type``, and one to the job's notify URL for a job's
        end. A resumed job inherits the notify URL of the job it continues."""
        targets = [
            (hook.id, hook.url) for hook in self.store.webhooks() if not hook.events or event_type in hook.events
        ]
        if job_id and event_type in JOB_END_EVENTS:
            notify = self.store.notify_url(job_id)
            if not notify and resumed_from:
                notify = self.store.notify_url(resumed_from)
                if notify:
                    self.store.set_notify_url(job_id, notify)
            if notify:
                targets.append(("", notify))
        if targets:
            self._enqueue(event_type, data, targets, job_id=job_id)

    def _enqueue(
        self, event_type: str, data: dict[str, Any], targets: list[tuple[str, str]], job_id: str = ""
    ) -> list[DeliveryRow]:
        now = time.time()
        rows = []
        for webhook_id, url in targets:
            delivery_id = new_delivery_id()
            body = json.dumps(
                {"id": delivery_id, "type": event_type, "created": rfc3339(now), "data": data}, separators=(",", ":")
            ).encode()
            rows.append(DeliveryRow(delivery_id, webhook_id, job_id, event_type, url, body, PENDING, 0, now, now))
        self.store.insert_deliveries(rows)
        self.deliverer.wake()
        return rows


def _required(value: str, field: str) -> str:
    if not value:
        raise InvalidArgument(field, "is required")
    return value

"""The outbox's choice of what to send next: one delivery per receiver, busy receivers skipped, so a receiver
with a pile of due retries never starves the others."""

from __future__ import annotations

import stat
from pathlib import Path

from backend.webhooks.store import PENDING, DeliveryRow, WebhookStore


def _row(index: int, url: str, due: float) -> DeliveryRow:
    return DeliveryRow(f"msg_{index:05d}", "wh_1", "", "webhook.test", url, b"{}", PENDING, 0, due, due)


def test_one_due_delivery_per_receiver_and_busy_receivers_skipped(tmp_path: Path) -> None:
    store = WebhookStore(tmp_path / "webhooks")
    dead, good, later = "http://127.0.0.1:1/dead", "http://127.0.0.1:2/good", "http://127.0.0.1:3/later"
    store.insert_deliveries([_row(i, dead, 100.0 + i) for i in range(2000)])
    store.insert_deliveries([_row(5000, good, 3000.0), _row(5001, good, 2999.0), _row(6000, later, 9e9)])

    picked = store.due(now=4000.0, limit=10)
    assert [(row.url, row.id) for row in picked] == [(dead, "msg_00000"), (good, "msg_05001")]
    assert [row.id for row in store.due(now=4000.0, limit=10, busy_urls=[dead])] == ["msg_05001"]
    assert store.due(now=4000.0, limit=10, busy_urls=[dead, good]) == []
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700

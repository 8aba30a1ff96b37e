"""SQLite persistence of webhooks, jobs' notify URLs and the delivery outbox.

The database lives in ``.omni/webhooks/`` (a 0700 folder; the file 0600): it holds the secrets and the full
receiver URLs, which may carry credentials. A delivery row is written when its event happens and kept after
it ends, so a restarted backend goes on with what was pending and ``ListDeliveries`` shows the history.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omni_core.errors import NotFound, shown

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"

SCHEMA = """
CREATE TABLE IF NOT EXISTS webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS job_notify (
    job_id TEXT PRIMARY KEY,
    url TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    webhook_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    url TEXT NOT NULL,
    body BLOB NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_attempt_at REAL NOT NULL DEFAULT 0,
    last_status INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    delivered_at REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(state, next_attempt_at);
CREATE INDEX IF NOT EXISTS deliveries_created ON deliveries(created_at DESC);
"""


@dataclass(frozen=True)
class WebhookRow:
    id: str
    url: str
    events: list[str]
    secret: str
    description: str
    created_at: float


@dataclass(frozen=True)
class DeliveryRow:
    id: str
    webhook_id: str
    job_id: str
    event_type: str
    url: str
    body: bytes
    state: str
    attempts: int
    created_at: float
    next_attempt_at: float = 0.0
    last_attempt_at: float = 0.0
    last_status: int = 0
    last_error: str = ""
    delivered_at: float = 0.0


_DELIVERY_COLUMNS = (
    "id, webhook_id, job_id, event_type, url, body, state, attempts, created_at, next_attempt_at, "
    "last_attempt_at, last_status, last_error, delivered_at"
)


def private_folder(path: Path) -> Path:
    """``path`` created (or narrowed) to 0700: only the backend's user may list or read it."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


class WebhookStore:
    def __init__(self, folder: Path) -> None:
        self.path = private_folder(folder) / "webhooks.sqlite3"
        self.path.touch(mode=0o600, exist_ok=True)
        os.chmod(self.path, 0o600)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._conn.executescript(SCHEMA)

    @property
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def _write(self, sql: str, args: Sequence[Any]) -> int:
        with self._write_lock:
            return self._conn.execute(sql, args).rowcount

    # -- webhooks -------------------------------------------------------------------------------------------

    def insert_webhook(self, row: WebhookRow) -> None:
        self._write(
            "INSERT INTO webhooks (id, url, events, secret, description, created_at) VALUES (?,?,?,?,?,?)",
            (row.id, row.url, json.dumps(row.events), row.secret, row.description, row.created_at),
        )

    def webhooks(self) -> list[WebhookRow]:
        rows = self._conn.execute(
            "SELECT id, url, events, secret, description, created_at FROM webhooks ORDER BY created_at, id"
        ).fetchall()
        return [WebhookRow(r[0], r[1], json.loads(r[2]), r[3], r[4], r[5]) for r in rows]

    def webhook(self, webhook_id: str) -> WebhookRow:
        for row in self.webhooks():
            if row.id == webhook_id:
                return row
        raise NotFound(f"no webhook with id {shown(webhook_id)}")

    def delete_webhook(self, webhook_id: str, now: float) -> None:
        with self._write_lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                if conn.execute("DELETE FROM webhooks WHERE id = ?", (webhook_id,)).rowcount == 0:
                    raise NotFound(f"no webhook with id {shown(webhook_id)}")
                conn.execute(
                    "UPDATE deliveries SET state = ?, last_error = 'the webhook was removed', next_attempt_at = 0 "
                    "WHERE webhook_id = ? AND state = ?",
                    (FAILED, webhook_id, PENDING),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    # -- jobs' notify URLs ------------------------------------------------------------------------------------

    def set_notify_url(self, job_id: str, url: str) -> None:
        self._write("INSERT OR REPLACE INTO job_notify (job_id, url) VALUES (?, ?)", (job_id, url))

    def notify_url(self, job_id: str) -> str:
        row = self._conn.execute("SELECT url FROM job_notify WHERE job_id = ?", (job_id,)).fetchone()
        return str(row[0]) if row else ""

    # -- deliveries -------------------------------------------------------------------------------------------

    def insert_deliveries(self, rows: Sequence[DeliveryRow]) -> None:
        with self._write_lock:
            self._conn.executemany(
                f"INSERT INTO deliveries ({_DELIVERY_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [_delivery_values(row) for row in rows],
            )

    def update_delivery(self, delivery_id: str, **fields: Any) -> None:
        names = ", ".join(f"{name} = ?" for name in fields)
        self._write(f"UPDATE deliveries SET {names} WHERE id = ?", (*fields.values(), delivery_id))

    def delivery(self, delivery_id: str) -> DeliveryRow:
        row = self._conn.execute(f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE id = ?", (delivery_id,)).fetchone()
        if row is None:
            raise NotFound(f"no delivery with id {shown(delivery_id)}")
        return DeliveryRow(*row)

    def due(self, now: float, limit: int, busy_urls: Sequence[str] = ()) -> list[DeliveryRow]:
        """The longest-waiting due delivery of each receiver URL not in ``busy_urls``, longest waiting first:
        however many rows a dead receiver has piled up, every other receiver's turn comes."""
        marks = ",".join("?" * len(busy_urls))
        rows = self._conn.execute(
            f"SELECT {_DELIVERY_COLUMNS}, MIN(next_attempt_at) FROM deliveries "  # SQLite: the other columns
            f"WHERE state = ? AND next_attempt_at <= ? AND url NOT IN ({marks}) "  # come from the MIN row
            "GROUP BY url ORDER BY next_attempt_at LIMIT ?",
            (PENDING, now, *busy_urls, limit),
        ).fetchall()
        return [DeliveryRow(*row[:-1]) for row in rows]

    def next_due_at(self) -> float | None:
        row = self._conn.execute("SELECT MIN(next_attempt_at) FROM deliveries WHERE state = ?", (PENDING,)).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def deliveries(
        self, *, webhook_id: str = "", job_id: str = "", limit: int = 50, offset: int = 0
    ) -> list[DeliveryRow]:
        where, args = [], []
        if webhook_id:
            where.append("webhook_id = ?")
            args.append(webhook_id)
        if job_id:
            where.append("job_id = ?")
            args.append(job_id)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._conn.execute(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries {clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
            (*args, limit, offset),
        ).fetchall()
        return [DeliveryRow(*row) for row in rows]


def _delivery_values(row: DeliveryRow) -> tuple[Any, ...]:
    return (
        row.id,
        row.webhook_id,
        row.job_id,
        row.event_type,
        row.url,
        row.body,
        row.state,
        row.attempts,
        row.created_at,
        row.next_attempt_at,
        row.last_attempt_at,
        row.last_status,
        row.last_error,
        row.delivered_at,
    )

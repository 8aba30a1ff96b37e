"""SQLite persistence of jobs and their numbered event logs.

One writer (the job manager, under ``_write_lock``) and many readers (the RPC threads, each with its
own connection); WAL mode lets them run side by side. Events are appended in batches, one transaction
each, which is what makes ``WatchJob`` fast.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from backend.jobs.records import EventType, JobEventRecord, JobRecord, JobState
from omni_core.errors import NotFound, shown

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    params TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    started_at REAL NOT NULL DEFAULT 0,
    finished_at REAL NOT NULL DEFAULT 0,
    progress TEXT NOT NULL DEFAULT '{}',
    message TEXT NOT NULL DEFAULT '',
    last_seq INTEGER NOT NULL DEFAULT 0,
    resumed_from TEXT NOT NULL DEFAULT '',
    outputs TEXT NOT NULL DEFAULT '{}',
    labels TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at DESC);
CREATE TABLE IF NOT EXISTS events (
    job_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    time REAL NOT NULL,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
"""

_JOB_COLUMNS = (
    "id, kind, params, state, created_at, started_at, finished_at, progress, message, last_seq, "
    "resumed_from, outputs, labels"
)


class JobStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        with self._connect() as conn:
            conn.executescript(SCHEMA)

    # -- connections --------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @property
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    # -- jobs ---------------------------------------------------------------------------------------

    def insert_job(self, job: JobRecord) -> None:
        with self._write_lock:
            self._conn.execute(
                f"INSERT INTO jobs ({_JOB_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    job.id,
                    job.kind,
                    json.dumps(job.params),
                    job.state.value,
                    job.created_at,
                    job.started_at,
                    job.finished_at,
                    json.dumps(job.progress),
                    job.message,
                    job.last_seq,
                    job.resumed_from,
                    json.dumps(job.outputs),
                    json.dumps(job.labels),
                ),
            )

    def get_job(self, job_id: str) -> JobRecord:
        row = self._conn.execute(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise NotFound(f"no job with id {shown(job_id)}")
        return _job_from_row(row)

    def list_jobs(
        self,
        *,
        states: Sequence[JobState] = (),
        kinds: Sequence[str] = (),
        limit: int = 100,
        offset: int = 0,
    ) -> list[JobRecord]:
        where: list[str] = []
        args: list[object] = []
        if states:
            where.append(f"state IN ({','.join('?' * len(states))})")
            args.extend(state.value for state in states)
        if kinds:
            where.append(f"kind IN ({','.join('?' * len(kinds))})")
            args.extend(kinds)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._conn.execute(
            f"SELECT {_JOB_COLUMNS} FROM jobs {clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
            (*args, limit, offset),
        ).fetchall()
        return [_job_from_row(row) for row in rows]

    def update_job(self, job_id: str, **fields: Any) -> None:
        """Set columns of one job; dict fields are stored as JSON, states by value."""
        assignments, args = [], []
        for name, value in fields.items():
            if isinstance(value, JobState):
                value = value.value
            elif isinstance(value, dict):
                value = json.dumps(value)
            assignments.append(f"{name} = ?")
            args.append(value)
        with self._write_lock:
            cursor = self._conn.execute(f"UPDATE jobs SET {', '.join(assignments)} WHERE id = ?", (*args, job_id))
        if cursor.rowcount == 0:
            raise NotFound(f"no job with id {shown(job_id)}")

    def mark_unfinished_interrupted(self, message: str) -> list[str]:
        """At start-up: jobs that were running when the backend died become INTERRUPTED."""
        ids = [
            row[0]
            for row in self._conn.execute("SELECT id FROM jobs WHERE state = ?", (JobState.RUNNING.value,)).fetchall()
        ]
        for job_id in ids:
            self.append_events(job_id, [(EventType.STATE, {"state": JobState.INTERRUPTED.value, "message": message})])
            self.update_job(job_id, state=JobState.INTERRUPTED, message=message, finished_at=time.time())
        return ids

    # -- events -------------------------------------------------------------------------------------

    def append_events(
        self, job_id: str, events: Iterable[tuple[EventType, dict[str, Any]]], *, at: float | None = None
    ) -> list[JobEventRecord]:
        """Append events to a job's log in one transaction, numbering them after its last one."""
        now = time.time() if at is None else at
        records: list[JobEventRecord] = []
        with self._write_lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT last_seq FROM jobs WHERE id = ?", (job_id,)).fetchone()
                if row is None:
                    raise NotFound(f"no job with id {shown(job_id)}")
                seq = row[0]
                for event_type, payload in events:
                    seq += 1
                    records.append(JobEventRecord(job_id, seq, now, EventType(event_type), payload))
                conn.executemany(
                    "INSERT INTO events (job_id, seq, time, type, payload) VALUES (?,?,?,?,?)",
                    [(r.job_id, r.seq, r.time, r.type.value, json.dumps(r.payload)) for r in records],
                )
                conn.execute("UPDATE jobs SET last_seq = ? WHERE id = ?", (seq, job_id))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return records

    def events_after(self, job_id: str, after_seq: int, limit: int = 1000) -> list[JobEventRecord]:
        rows = self._conn.execute(
            "SELECT job_id, seq, time, type, payload FROM events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (job_id, after_seq, limit),
        ).fetchall()
        return [JobEventRecord(r[0], r[1], r[2], EventType(r[3]), json.loads(r[4])) for r in rows]


def _job_from_row(row: Sequence[Any]) -> JobRecord:
    return JobRecord(
        id=row[0],
        kind=row[1],
        params=json.loads(row[2]),
        state=JobState(row[3]),
        created_at=row[4],
        started_at=row[5],
        finished_at=row[6],
        progress=json.loads(row[7]),
        message=row[8],
        last_seq=row[9],
        resumed_from=row[10],
        outputs=json.loads(row[11]),
        labels=json.loads(row[12]),
    )

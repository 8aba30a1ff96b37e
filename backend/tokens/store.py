"""Named tokens kept hashed in the workspace (``.omni/tokens.sqlite3``, readable by the backend's user only).

A token is ``omni_`` + 32 random bytes (``secrets.token_urlsafe``): the prefix lets people and secret scanners
recognise one. Only its SHA-256 is stored. A fast hash is the right one here, as for GitHub's tokens: a slow
password hash (bcrypt, Argon2) protects short human-chosen secrets against guessing, and 256 random bits cannot
be guessed, while every call has to be checked quickly. A token is looked up by its hash; what a lookup's timing
could reveal is about a hash, which does not help anyone make a token that has it, and the match is confirmed
with ``hmac.compare_digest``. The secret is returned once, by ``create``, and is never logged or kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from backend.tokens.roles import Role
from omni_core.errors import AlreadyExists, InvalidArgument, NotFound, Unavailable, shown

log = logging.getLogger("omni.tokens")

TOKEN_PREFIX = "omni_"
TOKEN_BYTES = 32
FILE_NAME = "tokens.sqlite3"
#: the name calls made with the server's own ``--token`` are recorded under; no named token may take it
SERVER_TOKEN_NAME = "server-token"
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
#: ``last_used_at`` is written at most this often per token, so a busy client does not write on every call
LAST_USED_RESOLUTION_S = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    name TEXT PRIMARY KEY,
    role INTEGER NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    last_used_at REAL NOT NULL DEFAULT 0
)
"""


@dataclass(frozen=True)
class TokenRecord:
    """What is known of a token besides its secret."""

    name: str
    role: Role
    created_at: float
    last_used_at: float = 0.0


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def check_name(name: str) -> str:
    if name == SERVER_TOKEN_NAME:
        raise InvalidArgument("name", f"{shown(name)} is the server's own token; choose another name")
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidArgument(
            "name",
            f"{shown(name)} is not a token name (1-63 characters: a-z, 0-9, '.', '_', '-', "
            "starting with a letter or digit)",
        )
    return name


class TokenStore:
    """The workspace's named tokens. Thread-safe; each call reads the file, so a revocation counts at once."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / FILE_NAME
        self._lock = threading.Lock()
        if not self.path.exists():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(self.path, 0o600)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def create(self, name: str, role: Role) -> tuple[TokenRecord, str]:
        """A new token: its record and its secret, which is not kept."""
        check_name(name)
        secret = new_secret()
        record = TokenRecord(name=name, role=Role(role), created_at=time.time())
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM tokens WHERE name = ?", (name,)).fetchone():
                raise AlreadyExists(f"a token named {shown(name)} exists; revoke it first", field="name")
            db.execute(
                "INSERT INTO tokens (name, role, sha256, created_at) VALUES (?, ?, ?, ?)",
                (name, int(record.role), digest(secret), record.created_at),
            )
        return record, secret

    def list(self) -> list[TokenRecord]:
        with self._lock:
            rows = self._db.execute("SELECT name, role, created_at, last_used_at FROM tokens ORDER BY name").fetchall()
        return [TokenRecord(name, Role(role), created, used) for name, role, created, used in rows]

    def revoke(self, name: str) -> TokenRecord:
        """Remove ``name``: a call with its token is refused from the next one on."""
        with self._transaction() as db:
            row = db.execute("SELECT name, role, created_at, last_used_at FROM tokens WHERE name = ?", (name,))
            found = row.fetchone()
            if found is None:
                raise NotFound(f"no token named {shown(name)} (omni token list shows them)", field="name")
            db.execute("DELETE FROM tokens WHERE name = ?", (name,))
        return TokenRecord(found[0], Role(found[1]), found[2], found[3])

    def authenticate(self, token: str) -> TokenRecord | None:
        """The record of ``token``, or None when it is not a live named token."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        wanted = digest(token)
        with self._lock:
            try:
                row = self._db.execute(
                    "SELECT name, role, created_at, last_used_at, sha256 FROM tokens WHERE sha256 = ?", (wanted,)
                ).fetchone()
            except sqlite3.Error as error:
                raise Unavailable(f"the backend cannot read its tokens ({type(error).__name__})") from None
            if row is None or not hmac.compare_digest(row[4], wanted):
                return None
            used = row[3]
            if time.time() - used >= LAST_USED_RESOLUTION_S:
                used = time.time()
                try:
                    self._db.execute("UPDATE tokens SET last_used_at = ? WHERE name = ?", (used, row[0]))
                except sqlite3.Error:  # a full or read-only disk: the call goes on, the date waits
                    log.warning("could not record when token %r was last used", row[0], exc_info=True)
        return TokenRecord(row[0], Role(row[1]), row[2], used)

"""Standard Webhooks signatures (standardwebhooks.com), standard library only, so a receiver can import it.

A delivery carries three headers::

    webhook-id:        msg_...        (the delivery id; the same on every retry, for de-duplication)
    webhook-timestamp: 1764770000     (Unix seconds of this attempt)
    webhook-signature: v1,<base64 of HMAC-SHA256(key, "{id}.{timestamp}.{body}")>

The key is the secret's base64 part: a secret reads ``whsec_<base64 of 24..64 random bytes>``. The timestamp is
inside the signed text, and ``verify`` refuses one outside ``tolerance`` seconds of now, so a captured
delivery cannot be replayed later.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

PREFIX = "whsec_"
KEY_BYTES_MIN, KEY_BYTES_MAX = 24, 64
#: how far a delivery's timestamp may be from the receiver's clock (the spec's five minutes)
TOLERANCE_S = 300
ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER = "webhook-id", "webhook-timestamp", "webhook-signature"


class VerificationError(ValueError):
    """A delivery whose headers are missing, whose timestamp is too old or new, or whose signature differs."""


def new_secret(key_bytes: int = 32) -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(key_bytes)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret; ValueError saying what is wrong (never repeating the secret)."""
    if not secret.startswith(PREFIX):
        raise ValueError(f"must start with {PREFIX} followed by base64 of {KEY_BYTES_MIN}-{KEY_BYTES_MAX} bytes")
    try:
        key = base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"the part after {PREFIX} is not base64") from None
    if not KEY_BYTES_MIN <= len(key) <= KEY_BYTES_MAX:
        raise ValueError(f"decodes to {len(key)} bytes; {KEY_BYTES_MIN} to {KEY_BYTES_MAX} are needed")
    return key


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` of ``{msg_id}.{timestamp}.{body}``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def sign(secret: str, msg_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The three headers of one delivery attempt."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: signature(secret, msg_id, stamp, body),
    }


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, tolerance: float = TOLERANCE_S, now: float | None = None
) -> None:
    """Return if ``body`` was signed with ``secret`` within ``tolerance`` seconds of ``now``; else raise
    VerificationError. Header names are matched case-insensitively; any one ``v1`` signature of the
    space-separated list may match (the spec lets a sender sign with old and new keys while rotating)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id, stamp, signatures = (lowered.get(n, "") for n in (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER))
    if not (msg_id and stamp and signatures):
        raise VerificationError(f"missing {ID_HEADER}, {TIMESTAMP_HEADER} or {SIGNATURE_HEADER}")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise VerificationError(f"{TIMESTAMP_HEADER} is not a number of seconds") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise VerificationError(f"{TIMESTAMP_HEADER} is {current - timestamp:+.0f} s from now (replay window)")
    expected = signature(secret, msg_id, timestamp, body).encode()
    for candidate in signatures.split():
        if candidate.startswith("v1,") and hmac.compare_digest(candidate.encode(), expected):
            return
    raise VerificationError("no signature matches")

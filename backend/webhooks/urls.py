"""Receiver URLs: what is accepted, and how one is shown (never with the credentials it may carry)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from omni_core.errors import InvalidArgument, shown

#: characters of a receiver URL (browsers and proxies agree on 2,000 and a bit)
URL_CHARS = 2048
MASK = "***"
#: query parameters whose value is a credential by its name (n8n resume URLs carry ``signature``)
_SECRET_NAMES = re.compile(r"token|secret|sig|key|pass|auth|code|credential|session", re.IGNORECASE)
#: or by its look: a long run of random-looking characters
_SECRET_VALUE = re.compile(r"[A-Za-z0-9_\-+/=.~]{20,}")


def check_url(url: str, field: str = "url") -> str:
    """``url`` if it is an absolute http(s) URL with a host, else InvalidArgument naming ``field``.
    Messages never repeat the URL: it may hold a password."""
    if not url:
        raise InvalidArgument(field, "is required (an http:// or https:// URL)")
    if len(url) > URL_CHARS:
        raise InvalidArgument(field, f"{len(url)} characters, at most {URL_CHARS}")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise InvalidArgument(field, "contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise InvalidArgument(field, f"is not a URL: {error}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidArgument(field, f"the scheme must be http or https, not {shown(parts.scheme)}")
    if not parts.hostname:
        raise InvalidArgument(field, "has no host")
    if port == 0:
        raise InvalidArgument(field, "port 0 cannot be reached")
    return url


def redact(url: str) -> str:
    """``url`` with its user info and token-like query values replaced by ``***``."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
        query = urlencode(
            [
                (name, MASK if _SECRET_NAMES.search(name) or _SECRET_VALUE.fullmatch(value) else value)
                for name, value in parse_qsl(parts.query, keep_blank_values=True)
            ],
            safe="*",
        )
        return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    except ValueError:
        return MASK


def scrub(text: str, url: str) -> str:
    """``text`` (an error message) with ``url`` and any user info or password of it replaced."""
    try:
        parts = urlsplit(url)
        secrets = [parts.password or "", parts.username or "", parts.query]
    except ValueError:
        return text.replace(url, MASK)
    text = text.replace(url, redact(url))
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, MASK)
    return text

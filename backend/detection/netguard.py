"""An optional guard that makes "offline" checkable: with ``OMNI_DENY_NETWORK=1`` in the backend's
environment, detection workers refuse every connection and name lookup that is not local, and remember
each attempt, so a job can say what tried to reach the network (and tests can assert nothing did).

Off by default; it patches ``socket`` in the worker process that calls ``install_from_env`` only.
"""

from __future__ import annotations

import os
import socket
from typing import Any

ENV = "OMNI_DENY_NETWORK"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", ""})

attempts: list[str] = []
_installed = False


def _is_local(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) and address else address
    if host is None:
        return True
    text = str(host)
    return text in LOCAL_HOSTS or text.startswith("127.")


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
            attempts.append(f"connect {address}")
            raise OSError(f"network access is off in this worker ({ENV}=1): connect to {address}")
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
            attempts.append(f"connect {address}")
            return 111  # ECONNREFUSED
        return original_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_local(host):
            attempts.append(f"lookup {host}")
            raise socket.gaierror(f"network access is off in this worker ({ENV}=1): lookup of {host}")
        return original_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = getaddrinfo


def install_from_env() -> bool:
    if os.environ.get(ENV, "") in ("1", "true", "yes"):
        install()
        return True
    return False


def report(log: Any) -> None:
    """Log (``log(message, level)``) every blocked attempt, once."""
    for attempt in attempts:
        log(f"blocked network attempt: {attempt}", "warning")
    attempts.clear()

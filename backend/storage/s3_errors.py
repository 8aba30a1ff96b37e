"""What went wrong with a remote, in words an operator can act on, typed by ``Problem``.

Every failure of the S3 client (an ``S3Error`` with the server's code, a TLS or connection error from urllib3)
becomes one ``RemoteError`` here; nothing above this module parses server messages. Messages never hold a
secret: they name the endpoint, the bucket and at most the access key's last four characters.
"""

from __future__ import annotations

import enum
import ssl

import urllib3.exceptions

from omni_core.errors import OmniError


class Problem(enum.IntEnum):
    """Mirrors ``omni.v1.RemoteProblem`` (same numbers)."""

    NONE = 0
    UNREACHABLE = 1
    TLS_VERIFICATION = 2
    CREDENTIALS_MISSING = 3
    UNKNOWN_ACCESS_KEY = 4
    WRONG_SECRET = 5
    PERMISSION_DENIED = 6
    BUCKET_MISSING = 7
    CLOCK_SKEW = 8
    CHECKSUM_MISMATCH = 9
    UNAVAILABLE = 10
    OTHER = 11


_STATUS = {
    Problem.UNREACHABLE: "UNAVAILABLE",
    Problem.UNAVAILABLE: "UNAVAILABLE",
    Problem.CHECKSUM_MISMATCH: "DATA_LOSS",
}


class RemoteError(OmniError):
    """A remote storage failure. ``problem`` says which; ``retryable`` whether trying again may help."""

    def __init__(self, problem: Problem, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.status = _STATUS.get(problem, "FAILED_PRECONDITION")

    @property
    def retryable(self) -> bool:
        return self.problem in (Problem.UNREACHABLE, Problem.UNAVAILABLE)


# S3 error codes -> (problem, what to tell the operator)
_CODES: dict[str, tuple[Problem, str]] = {
    "InvalidAccessKeyId": (Problem.UNKNOWN_ACCESS_KEY, "the server does not know access key {hint}"),
    "SignatureDoesNotMatch": (
        Problem.WRONG_SECRET,
        "the secret key does not match access key {hint} (the signature was refused)",
    ),
    "AccessDenied": (Problem.PERMISSION_DENIED, "access key {hint} may not {action} {where}"),
    "AllAccessDisabled": (Problem.PERMISSION_DENIED, "access to {where} is disabled"),
    "NoSuchBucket": (Problem.BUCKET_MISSING, "bucket {bucket!r} does not exist at {endpoint}"),
    "RequestTimeTooSkewed": (
        Problem.CLOCK_SKEW,
        "this machine's clock is too far from the server's (more than 15 minutes): fix the time (NTP)",
    ),
    "ExpiredToken": (Problem.WRONG_SECRET, "the session token of access key {hint} has expired"),
    "InvalidToken": (Problem.WRONG_SECRET, "the session token of access key {hint} is not valid"),
    "SlowDown": (Problem.UNAVAILABLE, "the server kept asking to slow down"),
    "ServiceUnavailable": (Problem.UNAVAILABLE, "the server is unavailable"),
    "InternalError": (Problem.UNAVAILABLE, "the server kept failing with an internal error"),
    "BadDigest": (
        Problem.CHECKSUM_MISMATCH,
        "the server received different bytes than were sent (their checksum did not match)",
    ),
    "XAmzContentSHA256Mismatch": (Problem.CHECKSUM_MISMATCH, "the server received different bytes than were sent"),
}


def _tls_failure(error: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError | urllib3.exceptions.SSLError):
            return True
        reason = getattr(current, "reason", None)
        current = reason if isinstance(reason, BaseException) else (current.__cause__ or current.__context__)
    return False


def translate(
    error: BaseException, *, endpoint: str, hint: str = "", bucket: str = "", key: str = "", action: str = "access"
) -> RemoteError:
    """The ``RemoteError`` for a failure of one call on ``bucket``/``key`` (``action``: read, write, list, ...)."""
    # imported here: the minio package costs ~0.2 s, and what imports RemoteError (every job that may read the
    # shared registry) needs it only when an S3 call has failed
    from minio.error import InvalidResponseError, MinioException, S3Error, ServerError

    where = f"s3://{bucket}/{key}" if key else f"bucket {bucket!r}" if bucket else endpoint
    if isinstance(error, RemoteError):
        return error
    if isinstance(error, S3Error):
        code = error.code or ""
        if code in _CODES:
            problem, text = _CODES[code]
            message = text.format(hint=hint, action=action, where=where, bucket=bucket, endpoint=endpoint)
            return RemoteError(problem, f"remote: {message}")
        if code in ("NoSuchKey", "NoSuchUpload"):
            return RemoteError(Problem.OTHER, f"remote: {where} does not exist")
        return RemoteError(Problem.OTHER, f"remote: {where}: {code}: {error.message}")
    if isinstance(error, ServerError | InvalidResponseError):
        status = getattr(error, "status_code", 0) or getattr(error, "_code", 0)
        if status in (403, 401):
            return RemoteError(Problem.PERMISSION_DENIED, f"remote: access key {hint} may not {action} {where}")
        if status == 404:
            return RemoteError(Problem.BUCKET_MISSING, f"remote: {where} does not exist at {endpoint}")
        return RemoteError(
            Problem.UNAVAILABLE, f"remote: {endpoint} kept failing (HTTP {status}) while trying to {action} {where}"
        )
    if _tls_failure(error):
        return RemoteError(
            Problem.TLS_VERIFICATION,
            f"remote: TLS verification of {endpoint} failed (an untrusted or self-signed certificate, or the server "
            "does not speak TLS): set SSL_CERT_FILE to its CA, use http:// for a plain-HTTP server, or "
            "--insecure-tls on a trusted network",
        )
    if isinstance(error, urllib3.exceptions.HTTPError | ConnectionError | TimeoutError | OSError):
        return RemoteError(
            Problem.UNREACHABLE, f"endpoint: nothing answers at {endpoint} ({type(error).__name__}); is the server up?"
        )
    if isinstance(error, MinioException):
        return RemoteError(Problem.OTHER, f"remote: {where}: {error}")
    raise error

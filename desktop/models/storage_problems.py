"""What a ``RemoteProblem`` means for the person at the screen: one short sentence saying what to do.

The server's own detail (which bucket, which key, what the server answered) goes after the sentence; the
sentence alone is what a user acts on.
"""

from __future__ import annotations

from protos.omni.v1 import storage_pb2

SENTENCES: dict[int, str] = {
    storage_pb2.REMOTE_PROBLEM_UNREACHABLE: (
        "Nothing answers at the endpoint. Check the host and port, and that the server is running."
    ),
    storage_pb2.REMOTE_PROBLEM_TLS_VERIFICATION: (
        "The server's certificate is not trusted. Use http:// if it has no TLS, or (self-signed) tick "
        '"Do not verify the server\'s certificate".'
    ),
    storage_pb2.REMOTE_PROBLEM_CREDENTIALS_MISSING: (
        "No keys were found for this remote. Enter an access key and secret, or name a profile or credentials file."
    ),
    storage_pb2.REMOTE_PROBLEM_UNKNOWN_ACCESS_KEY: (
        "The server does not know this access key. Check the access key id."
    ),
    storage_pb2.REMOTE_PROBLEM_WRONG_SECRET: "The secret key does not match the access key. Check the secret.",
    storage_pb2.REMOTE_PROBLEM_PERMISSION_DENIED: (
        "This key may not do that on the bucket. Use a key with read and write access, or ask for the permission."
    ),
    storage_pb2.REMOTE_PROBLEM_BUCKET_MISSING: (
        'A bucket of this layout does not exist. Tick "Create missing buckets" and test again, or create it.'
    ),
    storage_pb2.REMOTE_PROBLEM_CLOCK_SKEW: (
        "This machine's clock is too far from the server's. Set the clock (turn on network time) and retry."
    ),
    storage_pb2.REMOTE_PROBLEM_CHECKSUM_MISMATCH: (
        "The stored bytes are not the ones expected (corrupted or replaced). Push or pull the item again."
    ),
    storage_pb2.REMOTE_PROBLEM_UNAVAILABLE: (
        "The server kept failing after several retries. Try again later, or check the server's health."
    ),
    storage_pb2.REMOTE_PROBLEM_OTHER: "The remote refused the request; the server's answer follows.",
}


def problem_sentence(problem: int) -> str:
    """The sentence for ``problem``; "" for no problem (and for a value this client does not know yet)."""
    if problem == storage_pb2.REMOTE_PROBLEM_UNSPECIFIED:
        return ""
    return SENTENCES.get(problem, SENTENCES[storage_pb2.REMOTE_PROBLEM_OTHER])


def problem_text(problem: int, detail: str = "") -> str:
    """The sentence, then the server's detail: ``"The secret key does not match… (server: SignatureDoesNotMatch)"``."""
    sentence = problem_sentence(problem)
    detail = detail.strip()
    if not sentence:
        return detail
    return f"{sentence} ({detail})" if detail else sentence

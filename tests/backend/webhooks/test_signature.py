"""Our Standard Webhooks signatures against the reference implementation (the ``standardwebhooks`` package),
both ways, and the replay window."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from backend.webhooks import signature
from backend.webhooks.signature import VerificationError, new_secret, sign, verify

BODY = b'{"id":"msg_1","type":"webhook.test","data":{}}'


def test_our_signature_verifies_with_the_reference_library() -> None:
    secret = new_secret()
    headers = sign(secret, "msg_1", BODY)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert Webhook(secret).verify(BODY, headers) == {"id": "msg_1", "type": "webhook.test", "data": {}}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_the_reference_librarys_signature_verifies_with_ours() -> None:
    secret = new_secret()
    now = int(time.time())
    theirs = Webhook(secret).sign("msg_2", datetime.fromtimestamp(now, UTC), BODY.decode())
    headers = {"Webhook-Id": "msg_2", "Webhook-Timestamp": str(now), "Webhook-Signature": f"v1,bogus {theirs}"}
    verify(secret, headers, BODY)  # header names in any case; any one signature of the list may match


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"body": BODY + b" "}, "no signature matches"),
        ({"msg_id": "msg_other"}, "no signature matches"),
        ({"age": signature.TOLERANCE_S + 5}, "replay window"),
        ({"age": -(signature.TOLERANCE_S + 5)}, "replay window"),
    ],
)
def test_tampering_and_replays_are_refused(change: dict[str, object], why: str) -> None:
    secret = new_secret()
    age = int(change.get("age", 0))  # type: ignore[call-overload]
    headers = sign(secret, "msg_1", BODY, timestamp=int(time.time()) - age)
    if "msg_id" in change:
        headers["webhook-id"] = str(change["msg_id"])
    body = change.get("body", BODY)
    with pytest.raises(VerificationError, match=why):
        verify(secret, headers, body)  # type: ignore[arg-type]


def test_an_old_delivery_passes_only_inside_a_wider_window() -> None:
    secret = new_secret()
    headers = sign(secret, "msg_1", BODY, timestamp=int(time.time()) - 600)
    with pytest.raises(VerificationError, match="replay window"):
        verify(secret, headers, BODY)
    verify(secret, headers, BODY, tolerance=900)


def test_missing_headers_are_refused() -> None:
    with pytest.raises(VerificationError, match="missing"):
        verify(new_secret(), {"webhook-id": "msg_1"}, BODY)


@pytest.mark.parametrize("secret", ["", "hunter2-hunter2-hunter2", "whsec_!!!", "whsec_" + "QUJD" * 2])
def test_secrets_that_are_not_standard_webhooks_secrets_are_refused(secret: str) -> None:
    with pytest.raises(ValueError, match=r"whsec_|base64|bytes") as caught:
        signature.secret_key(secret)
    assert not secret or secret not in str(caught.value)

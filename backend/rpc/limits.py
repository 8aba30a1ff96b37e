"""Every size limit of a request, in one place.

The request check (``backend.rpc.request_check``) applies the defaults to every field of every request,
walking the message descriptors, and the overrides where the contract needs more (or less). Keys of the
override tables are protobuf full names: a field (``omni.v1.UploadChunk.data``), a map's key or value
(``omni.v1.SubmitJobRequest.LabelsEntry.key``) or a request message (``omni.v1.UploadChunk``).

The rule clients see (README, "Limits"): a field beyond its limit is INVALID_ARGUMENT naming the field's path
and the limit (``labels: 5000 entries, at most 64``); a whole request beyond its byte limit is
RESOURCE_EXHAUSTED stating the limit, as gRPC's own receive limit is.
"""

from __future__ import annotations

from backend.datasets.annotating import MAX_BOXES
from backend.detection.importing import MAX_UPLOAD_BYTES
from backend.webhooks.service import DESCRIPTION_CHARS
from backend.webhooks.urls import URL_CHARS

#: what gRPC itself accepts and sends (``grpc.max_receive_message_length`` / ``max_send_message_length``)
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
#: what a response is filled up to (ListJobs pages, WatchJob batches): well under the 4 MiB an ordinary
#: gRPC client accepts by default, leaving room for one more item and the envelope
RESPONSE_BUDGET_BYTES = 3 * 1024 * 1024
#: a status message is cut to this many UTF-8 bytes: gRPC sends it percent-encoded in a trailer, and a
#: trailer past 8 KiB turns any status into RESOURCE_EXHAUSTED on the client
MAX_STATUS_MESSAGE_BYTES = 1000

# -- defaults, for every field of every request ------------------------------------------------------------

#: characters of a string (ids, names, paths: PATH_MAX is 4096)
STRING_CHARS = 4096
#: bytes of a bytes field
BYTES = 64 * 1024
#: items of a repeated field
REPEATED_ITEMS = 1000
#: entries of a map
MAP_ENTRIES = 64
#: how deep messages may nest in a request
NESTING = 16
#: bytes of a whole request message
REQUEST_BYTES = 1024 * 1024

# -- job labels --------------------------------------------------------------------------------------------

LABELS = 64
LABEL_KEY_CHARS = 63
LABEL_VALUE_CHARS = 256

# -- uploads -----------------------------------------------------------------------------------------------

#: one chunk of an uploaded or streamed image (clients send 1 MiB)
CHUNK_BYTES = 4 * 1024 * 1024
#: a photo sent to a SageMaker serverless endpoint (SageMaker's own payload limit)
INVOKE_BYTES = 4 * 1024 * 1024
#: a detector checkpoint sent whole in ``ImportDetectorRequest.data`` (the importer's own limit)
CHECKPOINT_BYTES = MAX_UPLOAD_BYTES

# -- overrides ---------------------------------------------------------------------------------------------

#: per field: characters (strings), bytes (bytes fields), items (repeated) or entries (maps)
FIELD_LIMITS: dict[str, int] = {
    "omni.v1.SubmitJobRequest.labels": LABELS,
    "omni.v1.SubmitJobRequest.LabelsEntry.key": LABEL_KEY_CHARS,
    "omni.v1.SubmitJobRequest.LabelsEntry.value": LABEL_VALUE_CHARS,
    "omni.v1.UploadChunk.data": CHUNK_BYTES,
    "omni.v1.ImageChunk.data": CHUNK_BYTES,
    "omni.v1.ImportDetectorRequest.data": CHECKPOINT_BYTES,
    "omni.v1.SaveAnnotationsRequest.boxes": MAX_BOXES,
    "omni.v1.InvokeEndpointRequest.body": INVOKE_BYTES,
    # webhooks: a receiver URL, a secret (whsec_ + base64 of 64 bytes)
    "omni.v1.AddWebhookRequest.url": URL_CHARS,
    "omni.v1.JobSpec.notify_url": URL_CHARS,
    "omni.v1.AddWebhookRequest.secret": 128,
    "omni.v1.AddWebhookRequest.description": DESCRIPTION_CHARS,
}

#: per request message: bytes of the whole serialized request
REQUEST_LIMITS: dict[str, int] = {
    # a job is stored and sent back in every ListJobs page and WatchJobs update: keep each one small
    "omni.v1.SubmitJobRequest": 256 * 1024,
    "omni.v1.UploadChunk": CHUNK_BYTES + 64 * 1024,
    "omni.v1.RestoreStreamRequest": CHUNK_BYTES + 64 * 1024,
    "omni.v1.DetectStreamRequest": CHUNK_BYTES + 64 * 1024,
    "omni.v1.InvokeEndpointRequest": INVOKE_BYTES + 64 * 1024,
    "omni.v1.ImportDetectorRequest": CHECKPOINT_BYTES + 64 * 1024,
}


def field_limit(full_name: str, default: int) -> int:
    return FIELD_LIMITS.get(full_name, default)


def request_limit(full_name: str) -> int:
    return REQUEST_LIMITS.get(full_name, REQUEST_BYTES)

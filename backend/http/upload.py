"""A client-streaming upload (Datasets.UploadImages) from a multipart/form-data body.

Each file part becomes one image of the stream: a header (the route's path values, the part's filename,
the SHA-256 and size of its bytes) and then its bytes in chunks. The header must come before the bytes, so
each part is spooled (memory, then a temporary file) while its digest is computed; a part over the
backend's upload limit is refused with 413 before anything is sent for it.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import AsyncIterator, Mapping
from typing import IO, Any

from aiohttp import BodyPartReader, web
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from backend.datasets.uploads import MAX_UPLOAD_BYTES
from backend.http.errors import invalid, too_large
from backend.http.routes import Route
from backend.http.transcode import message_class
from backend.rpc.limits import CHUNK_BYTES

#: bytes of a part held in memory before it spills to a temporary file
SPOOL_BYTES = 8 * 1024 * 1024


def chunk_fields(route: Route) -> tuple[FieldDescriptor, FieldDescriptor]:
    """The header field and the bytes field of the stream's message (UploadChunk.header / .data)."""
    descriptor = route.method.input_type
    header = next(f for f in descriptor.fields if f.message_type is not None)
    data = next(f for f in descriptor.fields if f.type == FieldDescriptor.TYPE_BYTES)
    return header, data


async def _spool(part: BodyPartReader, field: str) -> tuple[IO[bytes], str, int]:
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed by the caller
    digest, size = hashlib.sha256(), 0
    while chunk := await part.read_chunk(CHUNK_BYTES):
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            spool.close()
            raise too_large(field, size, MAX_UPLOAD_BYTES)
        digest.update(chunk)
        spool.write(chunk)
    spool.seek(0)
    return spool, digest.hexdigest(), size


async def upload_messages(request: web.Request, route: Route, path_values: Mapping[str, str]) -> AsyncIterator[Message]:
    """The stream's messages, one file part at a time; HttpError (4xx) for a body that is not an upload."""
    if not request.content_type.startswith("multipart/"):
        raise invalid("Content-Type", f"{request.content_type!r}: send the images as multipart/form-data file parts")
    header_field, data_field = chunk_fields(route)
    chunk_class = message_class(route.method.input_type)
    reader = await request.multipart()
    files = 0
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise invalid("body", "nested multipart bodies are not read")
        if not part.filename:
            raise invalid(part.name or "part", "a form part without a filename: send each image as a file part")
        spool, sha256, size = await _spool(part, part.name or part.filename)
        try:
            header: dict[str, Any] = {"filename": part.filename, "sha256": sha256, "size_bytes": size}
            for path, value in path_values.items():
                header[path.split(".", 1)[1] if "." in path else path] = value
            message = chunk_class()
            getattr(message, header_field.name).SetInParent()
            known = header_field.message_type.fields_by_name if header_field.message_type else {}
            for name, value in header.items():
                if name in known:
                    setattr(getattr(message, header_field.name), name, value)
            yield message
            while data := spool.read(CHUNK_BYTES):
                chunk = chunk_class()
                setattr(chunk, data_field.name, data)
                yield chunk
        finally:
            spool.close()
        files += 1
    if files == 0:
        raise invalid("body", "no file parts: send one or more images as multipart/form-data files")

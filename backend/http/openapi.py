"""OpenAPI 3.1 from the same descriptors the routes come from: paths from the google.api.http annotations,
schemas from the messages in protobuf's JSON mapping (lowerCamelCase names, 64-bit integers as strings,
enums as names, Timestamps as RFC 3339 strings, bytes as base64)."""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from backend.http.routes import Route
from backend.http.streaming import batch_field, bytes_field

_SCALARS: dict[int, dict[str, Any]] = {
    FieldDescriptor.TYPE_DOUBLE: {"type": "number", "format": "double"},
    FieldDescriptor.TYPE_FLOAT: {"type": "number", "format": "float"},
    FieldDescriptor.TYPE_INT64: {"type": "string", "format": "int64"},
    FieldDescriptor.TYPE_UINT64: {"type": "string", "format": "uint64"},
    FieldDescriptor.TYPE_SINT64: {"type": "string", "format": "int64"},
    FieldDescriptor.TYPE_FIXED64: {"type": "string", "format": "uint64"},
    FieldDescriptor.TYPE_SFIXED64: {"type": "string", "format": "int64"},
    FieldDescriptor.TYPE_INT32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_SINT32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_UINT32: {"type": "integer", "format": "uint32"},
    FieldDescriptor.TYPE_FIXED32: {"type": "integer", "format": "uint32"},
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
}
_WELL_KNOWN: dict[str, dict[str, Any]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": r"^-?\d+(\.\d+)?s$"},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.Empty": {"type": "object"},
}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "integer", "description": "the HTTP status"},
                "status": {"type": "string", "description": "the gRPC status name, e.g. INVALID_ARGUMENT"},
                "message": {"type": "string"},
                "field_violations": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"field": {"type": "string"}, "description": {"type": "string"}},
                    },
                },
            },
        }
    },
}


class _Schemas:
    def __init__(self) -> None:
        self.components: dict[str, Any] = {"Error": ERROR_SCHEMA}

    def ref(self, name: str) -> dict[str, str]:
        return {"$ref": f"#/components/schemas/{name}"}

    def enum(self, enum: EnumDescriptor) -> dict[str, Any]:
        if enum.full_name not in self.components:
            self.components[enum.full_name] = {"type": "string", "enum": [v.name for v in enum.values]}
        return self.ref(enum.full_name)

    def message(self, descriptor: Descriptor) -> dict[str, Any]:
        if descriptor.full_name in _WELL_KNOWN:
            return dict(_WELL_KNOWN[descriptor.full_name])
        if descriptor.full_name not in self.components:
            self.components[descriptor.full_name] = {}  # placed first: recursive messages end here
            properties = {f.json_name: self.field(f) for f in descriptor.fields}
            schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
            groups = [o for o in descriptor.oneofs if not o.name.startswith("_")]  # "_x": a proto3 optional
            if groups:
                schema["description"] = "; ".join(
                    f"at most one of {', '.join(f.json_name for f in o.fields)} ({o.name})" for o in groups
                )
            self.components[descriptor.full_name] = schema
        return self.ref(descriptor.full_name)

    def single(self, field: FieldDescriptor) -> dict[str, Any]:
        if field.message_type is not None:
            return self.message(field.message_type)
        if field.enum_type is not None:
            return self.enum(field.enum_type)
        return dict(_SCALARS[field.type])

    def field(self, field: FieldDescriptor) -> dict[str, Any]:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value = field.message_type.fields_by_name["value"]
            return {"type": "object", "additionalProperties": self.single(value)}
        if field.is_repeated:
            return {"type": "array", "items": self.single(field)}
        return self.single(field)


def _query_parameters(descriptor: Descriptor, schemas: _Schemas, taken: set[str], prefix: str = "") -> list[Any]:
    """Scalar, enum and repeated scalar fields (one level into nested messages) as query parameters."""
    found = []
    for field in descriptor.fields:
        name = prefix + field.name
        if name in taken:
            continue
        nested = field.message_type
        if nested is not None and nested.full_name not in _WELL_KNOWN:
            if not prefix and not field.is_repeated and not nested.GetOptions().map_entry:
                found += _query_parameters(nested, schemas, taken, prefix=f"{name}.")
            continue
        found.append({"name": name, "in": "query", "required": False, "schema": schemas.field(field)})
    return found


def _path_schema(descriptor: Descriptor, path: str, schemas: _Schemas) -> dict[str, Any]:
    *parents, last = path.split(".")
    for name in parents:
        nested = descriptor.fields_by_name[name].message_type
        assert nested is not None  # a path variable's parents are messages (checked by build_request too)
        descriptor = nested
    return schemas.field(descriptor.fields_by_name[last])


def _responses(route: Route, schemas: _Schemas) -> dict[str, Any]:
    output = route.method.output_type
    content: dict[str, Any]
    if route.response_body:
        field = output.fields_by_name[route.response_body]
        media = "application/octet-stream" if field.type == FieldDescriptor.TYPE_BYTES else "text/plain"
        content = {media: {"schema": {"type": "string"}}}
    elif route.server_streaming and bytes_field(output) is not None:
        content = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
    elif route.server_streaming:
        batch = batch_field(output)
        item = (
            schemas.message(batch.message_type) if batch is not None and batch.message_type else schemas.message(output)
        )
        content = {
            "text/event-stream": {"schema": {"type": "string"}, "x-event-data": item},
            "application/json": {"schema": {"type": "array", "items": item}},
        }
    else:
        content = {"application/json": {"schema": schemas.message(output)}}
    error = {"description": "an error", "content": {"application/json": {"schema": schemas.ref("Error")}}}
    return {"200": {"description": "OK", "content": content}, "default": error}


def _operation(route: Route, schemas: _Schemas, operation_id: str) -> dict[str, Any]:
    method, descriptor = route.method, route.method.input_type
    parameters = [
        {"name": f, "in": "path", "required": True, "schema": _path_schema(descriptor, f, schemas)}
        for f in route.template.fields
    ]
    if not route.body and not route.client_streaming:
        parameters += _query_parameters(descriptor, schemas, set(route.template.fields))
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "tags": [method.containing_service.name],
        "summary": f"{method.containing_service.name}.{method.name}",
        "description": f"gRPC `{route.grpc_path}`"
        + (
            ": a Server-Sent Events stream (or a JSON array with Accept: application/json)"
            if route.server_streaming
            else ""
        ),
        "parameters": parameters,
        "responses": _responses(route, schemas),
        "x-grpc-method": route.grpc_path,
    }
    if route.client_streaming:
        files = {"type": "array", "items": {"type": "string", "format": "binary"}}
        operation["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": {"type": "object", "properties": {"files": files}}}},
        }
    elif route.body:
        body = (
            schemas.message(descriptor) if route.body == "*" else schemas.field(descriptor.fields_by_name[route.body])
        )
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return operation


def openapi_document(routes: list[Route], version: str) -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    for route in sorted(routes, key=lambda r: (r.template.openapi_path, r.http_method)):
        base = f"{route.method.containing_service.name}_{route.method.name}"
        seen[base] = seen.get(base, 0) + 1
        operation_id = base if seen[base] == 1 else f"{base}_{seen[base]}"
        paths.setdefault(route.template.openapi_path, {})[route.http_method.lower()] = _operation(
            route, schemas, operation_id
        )
    health = {
        "get": {
            "operationId": "health",
            "tags": ["System"],
            "security": [],
            "summary": "health",
            "responses": {"200": {"description": "SERVING"}, "503": {"description": "not serving"}},
        }
    }
    paths["/healthz"] = health
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Omni Studio HTTP/JSON API",
            "version": version,
            "description": "The JSON form (protobuf's JSON mapping) of the omni.v1 gRPC contract. "
            "Send `Authorization: Bearer <token>` when the backend has a token.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }

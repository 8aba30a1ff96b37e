"""The route table, read from the google.api.http annotations of the services the backend serves.

Nothing here names a service or a method: a service added to the server (with its annotations) gets its
routes at the next start. Additional bindings are routes of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pool
from google.protobuf.descriptor import MethodDescriptor

from backend.http.templates import PathTemplate

HTTP_METHODS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class Route:
    http_method: str  # upper case
    template: PathTemplate
    method: MethodDescriptor
    body: str  # "" (no body), "*" (the whole request) or a top-level field name
    response_body: str  # "" (the whole response) or a top-level field sent raw

    @property
    def grpc_path(self) -> str:
        return f"/{self.method.containing_service.full_name}/{self.method.name}"

    @property
    def client_streaming(self) -> bool:
        return bool(self.method.client_streaming)

    @property
    def server_streaming(self) -> bool:
        return bool(self.method.server_streaming)


def _bindings(rule: http_pb2.HttpRule) -> Iterable[http_pb2.HttpRule]:
    yield rule
    yield from rule.additional_bindings


def method_routes(method: MethodDescriptor) -> list[Route]:
    """The routes of one RPC; [] when it has no annotation (a gRPC-only method)."""
    options = method.GetOptions()
    if not options.HasExtension(annotations_pb2.http):
        return []
    routes = []
    for rule in _bindings(options.Extensions[annotations_pb2.http]):
        pattern = rule.WhichOneof("pattern")
        if pattern not in HTTP_METHODS:
            continue  # "custom" verbs (non-standard HTTP methods) are not served
        if method.client_streaming and method.server_streaming:
            continue  # a bidirectional stream has no request-response form in HTTP/1.1
        template = PathTemplate.parse(getattr(rule, pattern))
        routes.append(Route(pattern.upper(), template, method, rule.body, rule.response_body))
    return routes


def build_routes(service_names: Iterable[str], pool: descriptor_pool.DescriptorPool | None = None) -> list[Route]:
    """Every route of the named services, the ones with a verb first (they are the more specific)."""
    pool = pool or descriptor_pool.Default()
    routes = [
        route
        for name in service_names
        for method in pool.FindServiceByName(name).methods
        for route in method_routes(method)
    ]
    return sorted(routes, key=lambda r: not r.template.verb)


def find_route(routes: list[Route], http_method: str, raw_path: str) -> tuple[Route, dict[str, str]] | list[str]:
    """The route for a request and its path values, or the methods the path allows (405; [] = 404)."""
    allowed: list[str] = []
    for route in routes:
        values = route.template.match(raw_path)
        if values is None:
            continue
        if route.http_method == http_method:
            return route, values
        allowed.append(route.http_method)
    return allowed

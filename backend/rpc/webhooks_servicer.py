"""The Webhooks service: validate, call ``WebhookService``, convert. Secrets go in and never come out."""

from __future__ import annotations

import grpc

from backend.rpc.convert import timestamp
from backend.rpc.paging import offset_from_token, within_budget
from backend.webhooks.service import WebhookService
from backend.webhooks.store import DELIVERED, FAILED, PENDING, DeliveryRow, WebhookRow
from backend.webhooks.urls import redact
from omni_core.errors import InvalidArgument
from protos.omni.v1 import webhooks_pb2, webhooks_pb2_grpc

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
STATES = {
    PENDING: webhooks_pb2.DELIVERY_STATE_PENDING,
    DELIVERED: webhooks_pb2.DELIVERY_STATE_DELIVERED,
    FAILED: webhooks_pb2.DELIVERY_STATE_FAILED,
}


def webhook_to_proto(row: WebhookRow) -> webhooks_pb2.Webhook:
    return webhooks_pb2.Webhook(
        id=row.id,
        url=redact(row.url),
        events=row.events,
        secret_set=bool(row.secret),
        created_at=timestamp(row.created_at),
        description=row.description,
    )


def delivery_to_proto(row: DeliveryRow) -> webhooks_pb2.Delivery:
    return webhooks_pb2.Delivery(
        id=row.id,
        webhook_id=row.webhook_id,
        event_type=row.event_type,
        job_id=row.job_id,
        url=redact(row.url),
        state=STATES.get(row.state, webhooks_pb2.DELIVERY_STATE_UNSPECIFIED),
        attempts=row.attempts,
        last_http_status=row.last_status,
        last_error=row.last_error,
        created_at=timestamp(row.created_at),
        last_attempt_at=timestamp(row.last_attempt_at),
        next_attempt_at=timestamp(row.next_attempt_at) if row.state == PENDING else None,
        delivered_at=timestamp(row.delivered_at),
    )


class WebhooksServicer(webhooks_pb2_grpc.WebhooksServicer):
    def __init__(self, service: WebhookService) -> None:
        self.service = service

    def AddWebhook(
        self, request: webhooks_pb2.AddWebhookRequest, context: grpc.ServicerContext
    ) -> webhooks_pb2.AddWebhookResponse:
        row, generated = self.service.add(request.url, list(request.events), request.secret, request.description)
        return webhooks_pb2.AddWebhookResponse(webhook=webhook_to_proto(row), secret=generated)

    def ListWebhooks(
        self, request: webhooks_pb2.ListWebhooksRequest, context: grpc.ServicerContext
    ) -> webhooks_pb2.ListWebhooksResponse:
        return webhooks_pb2.ListWebhooksResponse(webhooks=[webhook_to_proto(row) for row in self.service.webhooks()])

    def RemoveWebhook(
        self, request: webhooks_pb2.RemoveWebhookRequest, context: grpc.ServicerContext
    ) -> webhooks_pb2.RemoveWebhookResponse:
        self.service.remove(request.webhook_id)
        return webhooks_pb2.RemoveWebhookResponse()

    def TestWebhook(
        self, request: webhooks_pb2.TestWebhookRequest, context: grpc.ServicerContext
    ) -> webhooks_pb2.Delivery:
        return delivery_to_proto(self.service.test(request.webhook_id))

    def ListDeliveries(
        self, request: webhooks_pb2.ListDeliveriesRequest, context: grpc.ServicerContext
    ) -> webhooks_pb2.ListDeliveriesResponse:
        if not 0 <= request.page_size <= MAX_PAGE_SIZE:
            raise InvalidArgument("page_size", f"{request.page_size}: must be between 0 (50) and {MAX_PAGE_SIZE}")
        size = request.page_size or DEFAULT_PAGE_SIZE
        offset = offset_from_token(request.page_token, "ListDeliveries")
        rows = self.service.deliveries(
            webhook_id=request.webhook_id, job_id=request.job_id, limit=size + 1, offset=offset
        )
        page = within_budget(delivery_to_proto(row) for row in rows[:size])
        next_token = str(offset + len(page)) if len(rows) > len(page) else ""
        return webhooks_pb2.ListDeliveriesResponse(deliveries=page, next_page_token=next_token)

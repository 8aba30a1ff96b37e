"""The Reports service: list the training reports, and fetch one as JSON, text or HTML."""

from __future__ import annotations

import grpc

from backend.reports.store import get_report, list_reports
from backend.rpc.convert import timestamp
from backend.storage.base import ArtifactStore
from protos.omni.v1 import reports_pb2, reports_pb2_grpc


class ReportsServicer(reports_pb2_grpc.ReportsServicer):
    def __init__(self, store: ArtifactStore) -> None:
        self.store = store

    def ListReports(
        self, request: reports_pb2.ListReportsRequest, context: grpc.ServicerContext
    ) -> reports_pb2.ListReportsResponse:
        return reports_pb2.ListReportsResponse(
            reports=[
                reports_pb2.ReportSummary(
                    id=item.id,
                    kind=item.kind,
                    title=item.title,
                    state=item.state,
                    created_at=timestamp(item.created_at),
                    model_version=item.model_version,
                )
                for item in list_reports(self.store, kind=request.kind)
            ]
        )

    def GetReport(self, request: reports_pb2.GetReportRequest, context: grpc.ServicerContext) -> reports_pb2.Report:
        fmt = request.format or "text"
        content = get_report(self.store, request.report_id, fmt)
        return reports_pb2.Report(report_id=request.report_id, format=fmt, content=content)

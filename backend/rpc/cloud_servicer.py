"""The Cloud service: the plan of a SageMaker dispatch (its request and cost, nothing created), the instance
types on offer, and the serverless endpoints (list, invoke, delete; deploying one is a job)."""

from __future__ import annotations

import json

import grpc

from backend.cloud.sagemaker import endpoints
from backend.cloud.sagemaker.instances import PRICE_SOURCE, TRAINING_INSTANCES
from backend.cloud.sagemaker.params import SageMakerTrainParams
from backend.cloud.sagemaker.plan import endpoint_override, plan_dispatch
from backend.rpc.convert import params_from_message
from backend.workspace import Workspace
from protos.omni.v1 import cloud_pb2, cloud_pb2_grpc


class CloudServicer(cloud_pb2_grpc.CloudServicer):
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def PlanTraining(
        self, request: cloud_pb2.SageMakerTrainSpec, context: grpc.ServicerContext
    ) -> cloud_pb2.PlanTrainingResponse:
        params = params_from_message(SageMakerTrainParams, request)
        plan = plan_dispatch(params, self.workspace, environ_endpoint=endpoint_override())
        estimate = plan.estimate
        return cloud_pb2.PlanTrainingResponse(
            training_job_name=plan.job_name,
            request_json=json.dumps(plan.request, indent=2),
            estimate=cloud_pb2.CostEstimate(
                usd_per_hour=estimate.usd_per_hour,
                instance_count=estimate.instance_count,
                max_hours=estimate.max_hours,
                max_usd_on_demand=estimate.max_usd_on_demand,
                max_usd_expected=estimate.max_usd_expected,
                spot_saving_assumed=estimate.spot_saving_assumed,
                source=estimate.source,
                summary=estimate.describe(),
            ),
            uploads=[item.uri for item in plan.uploads],
        )

    def ListInstanceTypes(
        self, request: cloud_pb2.ListInstanceTypesRequest, context: grpc.ServicerContext
    ) -> cloud_pb2.ListInstanceTypesResponse:
        return cloud_pb2.ListInstanceTypesResponse(
            instance_types=[
                cloud_pb2.InstanceType(name=item.name, gpus=item.gpus, usd_per_hour=item.usd_per_hour)
                for item in TRAINING_INSTANCES.values()
            ],
            price_source=PRICE_SOURCE,
        )

    def ListEndpoints(
        self, request: cloud_pb2.ListEndpointsRequest, context: grpc.ServicerContext
    ) -> cloud_pb2.ListEndpointsResponse:
        found = endpoints.list_endpoints(self.workspace, request.region)
        return cloud_pb2.ListEndpointsResponse(
            endpoints=[
                cloud_pb2.Endpoint(
                    name=item.name,
                    status=item.status,
                    version=item.version,
                    memory_mb=item.memory_mb,
                    max_concurrency=item.max_concurrency,
                    failure_reason=item.failure_reason,
                    arn=item.arn,
                )
                for item in found
            ]
        )

    def InvokeEndpoint(
        self, request: cloud_pb2.InvokeEndpointRequest, context: grpc.ServicerContext
    ) -> cloud_pb2.InvokeEndpointResponse:
        content_type, body = endpoints.invoke(
            self.workspace, request.region, request.name, request.content_type, request.body
        )
        return cloud_pb2.InvokeEndpointResponse(content_type=content_type, body=body)

    def DeleteEndpoint(
        self, request: cloud_pb2.DeleteEndpointRequest, context: grpc.ServicerContext
    ) -> cloud_pb2.DeleteEndpointResponse:
        endpoints.delete_endpoint(self.workspace, request.region, request.name)
        return cloud_pb2.DeleteEndpointResponse()

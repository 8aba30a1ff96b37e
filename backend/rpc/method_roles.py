"""The one table of which role may call which method: each method maps to the least role that may call it.

A method missing here needs ``Role.ADMIN`` (fail closed): a service added to the contract is open to admins
only until someone writes its methods down. ``tests/backend/rpc/test_roles.py`` fails when a method of a
service the server registers is missing. The health check needs no token at all (``OPEN_METHOD_PREFIXES``).
"""

from __future__ import annotations

from backend.tokens.roles import Role

OPEN_METHOD_PREFIXES = ("/grpc.health.v1.Health/",)

ANNOTATOR, OPERATOR, ADMIN = Role.ANNOTATOR, Role.OPERATOR, Role.ADMIN

_SERVICES: dict[str, dict[str, Role]] = {
    "omni.v1.System": {"GetSystemInfo": ANNOTATOR},
    "omni.v1.Datasets": {
        "ListDatasets": ANNOTATOR,
        "GetDataset": ANNOTATOR,
        "ListImages": ANNOTATOR,
        "GetImage": ANNOTATOR,
        "GetAnnotations": ANNOTATOR,
        "SaveAnnotations": ANNOTATOR,
        "GetDatasetStats": ANNOTATOR,
        "CreateDataset": OPERATOR,
        "DeleteDataset": OPERATOR,
        "UpdateClasses": OPERATOR,
        "UploadImages": OPERATOR,
        "GetUploadOffset": OPERATOR,
    },
    "omni.v1.Detection": {"SuggestBoxes": ANNOTATOR, "ImportDetector": OPERATOR},
    "omni.v1.Jobs": {
        "SubmitJob": OPERATOR,
        "GetJob": OPERATOR,
        "ListJobs": OPERATOR,
        "CancelJob": OPERATOR,
        "ResumeJob": OPERATOR,
        "WatchJob": OPERATOR,
        "WatchJobs": OPERATOR,
        # what each job kind accepts (defaults, ranges): no workspace content, so anyone with a token
        "DescribeJobKinds": ANNOTATOR,
    },
    "omni.v1.Synthetic": {"DescribeSynthetic": OPERATOR, "PreviewRestoration": OPERATOR, "PreviewDetection": OPERATOR},
    "omni.v1.Models": {
        "ListModels": OPERATOR,
        "GetModel": OPERATOR,
        "PromoteModel": OPERATOR,
        "DeleteModel": OPERATOR,
        "CompareModels": OPERATOR,
    },
    "omni.v1.Reports": {"ListReports": OPERATOR, "GetReport": OPERATOR},
    "omni.v1.Artifacts": {"ListArtifacts": OPERATOR, "ReadArtifact": OPERATOR},
    "omni.v1.Batch": {"RestoreStream": OPERATOR, "DetectStream": OPERATOR},
    "omni.v1.Storage": {
        "GetRemote": OPERATOR,
        "SetRemote": OPERATOR,
        "UnsetRemote": OPERATOR,
        "CheckRemote": OPERATOR,
        "SyncStatus": OPERATOR,
    },
    "omni.v1.Cloud": {
        "PlanTraining": OPERATOR,
        "ListInstanceTypes": OPERATOR,
        "ListEndpoints": OPERATOR,
        "InvokeEndpoint": OPERATOR,
        "DeleteEndpoint": OPERATOR,
    },
    "omni.v1.Tokens": {"CreateToken": ADMIN, "ListTokens": ADMIN, "RevokeToken": ADMIN},
    # a webhook sends every later event, signed, to a URL of the caller's choosing: adding or removing one is the
    # backend's configuration (admin); seeing them and their deliveries, and a test delivery, is an operator's
    "omni.v1.Webhooks": {
        "AddWebhook": ADMIN,
        "RemoveWebhook": ADMIN,
        "ListWebhooks": OPERATOR,
        "TestWebhook": OPERATOR,
        "ListDeliveries": OPERATOR,
    },
    # what services a backend offers (grpcurl list): anyone with a token
    "grpc.reflection.v1alpha.ServerReflection": {"ServerReflectionInfo": ANNOTATOR},
}

#: "/omni.v1.Datasets/GetImage" -> Role.ANNOTATOR
METHOD_ROLES: dict[str, Role] = {
    f"/{service}/{method}": role for service, methods in _SERVICES.items() for method, role in methods.items()
}


def required_role(method: str) -> Role:
    """The least role that may call ``method`` (its full path); ADMIN for a method not in the table."""
    return METHOD_ROLES.get(method, Role.ADMIN)

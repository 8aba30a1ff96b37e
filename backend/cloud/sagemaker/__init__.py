"""AWS SageMaker: training dispatch under the container's contract, and serverless endpoints.

Which library does what, and why:
- boto3 for every SageMaker API call (CreateTrainingJob, DescribeTrainingJob, StopTrainingJob, CreateModel,
  CreateEndpointConfig, CreateEndpoint, InvokeEndpoint, CloudWatch Logs). It is the API as documented, it
  works against moto's server in tests, and it is what the SDK calls underneath anyway.
- The SageMaker SDK (``sagemaker.core.image_uris``) only to name the PyTorch training image of a region: it
  carries AWS's own table of framework images per region and version, offline. Its resource classes are
  not used: sagemaker-core's EndpointConfig serialises a serverless variant's ``MemorySizeInMb`` where the
  API wants ``MemorySizeInMB`` (an open upstream bug), ModelTrainer calls IAM SimulatePrincipalPolicy and
  sends telemetry by default.
"""

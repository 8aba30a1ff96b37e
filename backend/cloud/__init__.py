"""Work that leaves this machine for a cloud provider (today: AWS SageMaker)."""

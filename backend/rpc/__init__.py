"""The gRPC face of the backend: server factory, interceptors, thin servicers, proto<->domain conversion."""

"""The HTTP/JSON gateway: every google.api.http route of the contract, transcoded onto the gRPC server."""

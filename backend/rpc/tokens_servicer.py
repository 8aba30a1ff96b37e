"""The Tokens service (admin only, see ``backend.rpc.method_roles``): create, list and revoke named tokens."""

from __future__ import annotations

import logging

import grpc

from backend.rpc.convert import timestamp
from backend.tokens.roles import LEAST, Role
from backend.tokens.store import TokenRecord, TokenStore
from protos.omni.v1 import tokens_pb2, tokens_pb2_grpc

log = logging.getLogger("omni.tokens")


def token_to_proto(record: TokenRecord) -> tokens_pb2.TokenInfo:
    return tokens_pb2.TokenInfo(
        name=record.name,
        role=tokens_pb2.Role.Name(int(record.role)),
        created_at=timestamp(record.created_at),
        last_used_at=timestamp(record.last_used_at),
    )


class TokensServicer(tokens_pb2_grpc.TokensServicer):
    def __init__(self, store: TokenStore) -> None:
        self.store = store

    def CreateToken(
        self, request: tokens_pb2.CreateTokenRequest, context: grpc.ServicerContext
    ) -> tokens_pb2.CreatedToken:
        role = Role(request.role) if request.role != tokens_pb2.ROLE_UNSPECIFIED else LEAST
        record, secret = self.store.create(request.name, role)
        log.info("token %r created with the %s role", record.name, record.role.label)  # the name, never the secret
        return tokens_pb2.CreatedToken(info=token_to_proto(record), token=secret)

    def ListTokens(
        self, request: tokens_pb2.ListTokensRequest, context: grpc.ServicerContext
    ) -> tokens_pb2.ListTokensResponse:
        return tokens_pb2.ListTokensResponse(tokens=[token_to_proto(record) for record in self.store.list()])

    def RevokeToken(
        self, request: tokens_pb2.RevokeTokenRequest, context: grpc.ServicerContext
    ) -> tokens_pb2.RevokeTokenResponse:
        record = self.store.revoke(request.name)
        log.info("token %r revoked", record.name)
        return tokens_pb2.RevokeTokenResponse(revoked=token_to_proto(record))

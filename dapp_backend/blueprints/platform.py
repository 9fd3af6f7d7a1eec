"""/api/platform: what a browser needs to talk to the platform's chain (chain id, RPC, contracts and ABIs)."""

from __future__ import annotations

from marshmallow import Schema, fields

from dapp_backend.blueprints import ApiBlueprint
from dapp_backend.context import lec
from dapp_backend.services.platform import platform as platform_info

blp = ApiBlueprint("platform", __name__, url_prefix="/api/platform", description="The platform's chain and contracts")


class NativeCurrencySchema(Schema):
    name = fields.String(required=True)
    symbol = fields.String(required=True)
    decimals = fields.Integer(required=True)


class SiweSchema(Schema):
    statement = fields.String(required=True, metadata={"description": "the EIP-4361 statement to sign"})
    version = fields.String(required=True)


class ContractSchema(Schema):
    address = fields.String(required=True)
    abi = fields.List(fields.Dict(), required=True)


class TokenAbiSchema(Schema):
    abi = fields.List(fields.Dict(), required=True, metadata={"description": "every community token's ABI"})


class PlatformSchema(Schema):
    chainId = fields.Integer(required=True)
    chainName = fields.String(required=True)
    rpcUrl = fields.String(required=True, metadata={"description": "for wallet_addEthereumChain"})
    nativeCurrency = fields.Nested(NativeCurrencySchema, required=True)
    siwe = fields.Nested(SiweSchema, required=True)
    contracts = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(ContractSchema),
        required=True,
        metadata={"description": "CommunityFactory, ModelRegistry, ConsumptionNotary, LightingCertification"},
    )
    communityToken = fields.Nested(TokenAbiSchema, required=True)


@blp.route("", methods=["GET"])
@blp.response(200, PlatformSchema)
def platform():
    """The chain, its RPC URL, the sign-in statement and every contract's address and ABI (public)."""
    return platform_info(lec())

"""What a browser needs to reach the platform's chain: chain id and name, an RPC URL a wallet can add
(wallet_addEthereumChain), the sign-in statement, and every contract's address and ABI from the deployment
manifest (the one way Python and JavaScript find contracts)."""

from __future__ import annotations

import os

from eth_utils import to_checksum_address

from oracle.context import Context

CONTRACTS = ("CommunityFactory", "ModelRegistry", "ConsumptionNotary", "LightingCertification")
# The EIP-4361 fields the frontend writes into the message it asks the wallet to sign.
SIWE_STATEMENT = "Sign in to the LEC platform."
SIWE_VERSION = "1"
# Gas is free on the platform's chains (anvil, Besu with zero gas price); wallets still want a currency.
NATIVE_CURRENCY = {"name": "Ether", "symbol": "ETH", "decimals": 18}


def public_rpc_url(ctx: Context, env: dict | None = None) -> str:
    """The RPC URL a member's wallet uses: LEC_PUBLIC_RPC_URL when the oracle's own URL is not reachable from
    browsers (an internal host name, a node behind a proxy), else the oracle's."""
    env = os.environ if env is None else env
    return env.get("LEC_PUBLIC_RPC_URL") or ctx.settings.effective_rpc_url


def platform(ctx: Context, env: dict | None = None) -> dict:
    manifest = ctx.chain.manifest
    contracts = manifest["contracts"]
    return {
        "chainId": ctx.settings.effective_chain_id,
        "chainName": f"LEC platform ({manifest.get('network') or 'chain ' + str(manifest['chainId'])})",
        "rpcUrl": public_rpc_url(ctx, env),
        "nativeCurrency": dict(NATIVE_CURRENCY),
        "siwe": {"statement": SIWE_STATEMENT, "version": SIWE_VERSION},
        "contracts": {
            name: {"address": to_checksum_address(contracts[name]["address"]), "abi": contracts[name]["abi"]}
            for name in CONTRACTS
            if name in contracts
        },
        "communityToken": {"abi": manifest["communityToken"]["abi"]},
    }

"""GET /api/platform: public; the chain, RPC URL, sign-in statement and the contracts of the deployment manifest."""

from __future__ import annotations

from eth_utils import is_checksum_address

from dapp_backend.services.platform import public_rpc_url

from .conftest import CHAIN_ID, signed_in, siwe_text

CONTRACTS = {"CommunityFactory", "ModelRegistry", "ConsumptionNotary", "LightingCertification"}


def test_platform_is_public_and_names_chain_contracts_and_abis(client, base_ctx):
    response = client.get("/api/platform")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["chainId"] == CHAIN_ID == 31337
    assert body["chainName"].startswith("LEC platform")
    assert body["rpcUrl"] == base_ctx.settings.effective_rpc_url
    assert body["nativeCurrency"] == {"name": "Ether", "symbol": "ETH", "decimals": 18}
    assert set(body["contracts"]) == CONTRACTS
    manifest = base_ctx.chain.manifest
    for name, entry in body["contracts"].items():
        assert is_checksum_address(entry["address"])
        assert entry["address"].lower() == manifest["contracts"][name]["address"].lower()
        assert entry["abi"] == manifest["contracts"][name]["abi"]
    token_functions = {item["name"] for item in body["communityToken"]["abi"] if item.get("type") == "function"}
    assert {"payService", "quoteService", "memberInfo", "balanceOf", "treasury"} <= token_functions
    notary_functions = {i["name"] for i in body["contracts"]["ConsumptionNotary"]["abi"] if i.get("type") == "function"}
    assert {"claim", "getEpoch", "isPaid"} <= notary_functions


def test_the_siwe_statement_is_the_one_sign_in_accepts(client, member_account):
    siwe = client.get("/api/platform").get_json()["siwe"]
    assert siwe == {"statement": "Sign in to the LEC platform.", "version": "1"}
    assert f"\n\n{siwe['statement']}\n\n" in siwe_text(member_account.address, "abcdefgh12345678")
    signed_in(client, member_account)  # a message with that statement signs in


def test_the_public_rpc_url_comes_from_the_environment_first(base_ctx):
    assert public_rpc_url(base_ctx, {"LEC_PUBLIC_RPC_URL": "https://rpc.lec.example"}) == "https://rpc.lec.example"
    assert public_rpc_url(base_ctx, {}) == base_ctx.settings.effective_rpc_url


def test_the_platform_route_is_in_the_openapi_document(client):
    document = client.get("/api/openapi.json").get_json()
    assert "/api/platform" in document["paths"]
    assert "#/components/schemas/Platform" in str(document["paths"]["/api/platform"]["get"]["responses"]["200"])

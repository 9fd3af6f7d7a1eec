"""scripts/deploy.py and the deployment manifest other parts read."""

import json

import pytest
from brownie import CommunityToken, ConsumptionNotary, ModelRegistry, accounts, chain, web3

from scripts import deploy
from scripts.community import create_community
from scripts.manifest import FORMAT, load_manifest, manifest_path

from .conftest import E18, reverts_with

CONTRACTS = {
    "CommunityTokenDeployer",
    "CommunityFactory",
    "ModelRegistry",
    "ConsumptionNotary",
    "LightingCertification",
}


def role(name: str) -> bytes:
    return web3.keccak(text=name)


def deployed(manifest: dict, name: str):
    """A web3 contract of the manifest: only its address and ABI, as the oracle and the frontend read it."""
    entry = manifest["contracts"][name]
    return web3.eth.contract(address=entry["address"], abi=entry["abi"])


@pytest.fixture
def deployments(tmp_path, monkeypatch):
    monkeypatch.setenv("LEC_DEPLOYMENTS_DIR", str(tmp_path))
    for variable in ("LEC_CHALLENGE_WINDOW", "LEC_MIN_NOTICE", "LEC_REWARD_PAYER_ADDRESS", "LEC_DEPLOYER_KEYSTORE"):
        monkeypatch.delenv(variable, raising=False)
    return tmp_path


def test_deploy_writes_a_manifest_that_finds_every_contract(
    deployments, platform_admin, oracle_admin, oracle, community_admin, token_admin
):
    written = deploy.main()
    assert manifest_path(chain.id) == deployments / f"{chain.id}.json"
    manifest = load_manifest(chain.id)
    assert manifest == json.loads((deployments / f"{chain.id}.json").read_text()) == written
    assert manifest["format"] == FORMAT and manifest["chainId"] == chain.id
    roles = manifest["roles"]
    assert set(roles) == {"platformAdmin", "oracleAdmin", "oracle", "rewardPayer", "communityAdmin", "tokenAdmin"}
    assert (
        roles["platformAdmin"],
        roles["oracleAdmin"],
        roles["oracle"],
        roles["communityAdmin"],
        roles["tokenAdmin"],
    ) == (platform_admin.address, oracle_admin.address, oracle.address, community_admin.address, token_admin.address)
    # on a development chain a fresh account of the session pays rewards: never the committing oracle
    assert web3.is_checksum_address(roles["rewardPayer"]) and roles["rewardPayer"] != oracle.address
    assert set(manifest["contracts"]) == CONTRACTS
    for name, entry in manifest["contracts"].items():
        assert len(web3.eth.get_code(entry["address"])) > 0, name
        assert any(item.get("type") == "function" for item in entry["abi"]), name
    # development defaults: no challenge window, no model-change notice
    assert manifest["settings"] == {"challengeWindow": 0, "minNotice": 0}
    notary, registry = deployed(manifest, "ConsumptionNotary"), deployed(manifest, "ModelRegistry")
    assert notary.functions.challengeWindow().call() == 0 and registry.functions.minNotice().call() == 0


def test_deploy_wires_the_contracts_and_the_roles(deployments, platform_admin, oracle_admin, oracle):
    manifest = deploy.main()
    payer = manifest["roles"]["rewardPayer"]
    factory, registry = deployed(manifest, "CommunityFactory"), deployed(manifest, "ModelRegistry")
    notary, lighting = deployed(manifest, "ConsumptionNotary"), deployed(manifest, "LightingCertification")
    token_deployer = manifest["contracts"]["CommunityTokenDeployer"]["address"]

    assert factory.functions.tokenDeployer().call() == token_deployer
    assert factory.functions.rewardDistributor().call() == notary.address
    assert registry.functions.notary().call() == notary.address
    assert registry.functions.factory().call() == factory.address
    assert (notary.functions.factory().call(), notary.functions.registry().call()) == (
        factory.address,
        registry.address,
    )
    # the oracle commits and never pays; the payer pays and never commits
    assert notary.functions.hasRole(role("ORACLE"), oracle.address).call()
    assert not notary.functions.hasRole(role("REWARD_PAYER"), oracle.address).call()
    assert notary.functions.hasRole(role("REWARD_PAYER"), payer).call()
    assert not notary.functions.hasRole(role("ORACLE"), payer).call()
    assert registry.functions.hasRole(role("ORACLE_ADMIN"), oracle_admin.address).call()
    for contract in (factory, registry, notary, lighting):
        assert contract.functions.hasRole(b"\0" * 32, platform_admin.address).call()
    assert factory.functions.hasRole(role("PLATFORM_ADMIN"), platform_admin.address).call()


def test_deploy_reads_the_time_rules_and_the_payer_from_the_environment(deployments, monkeypatch):
    payer = accounts.add().address
    monkeypatch.setenv("LEC_CHALLENGE_WINDOW", "3600")
    monkeypatch.setenv("LEC_MIN_NOTICE", "86400")
    monkeypatch.setenv("LEC_REWARD_PAYER_ADDRESS", payer)
    manifest = deploy.main()
    assert manifest["settings"] == {"challengeWindow": 3600, "minNotice": 86400}
    assert manifest["roles"]["rewardPayer"] == payer
    notary = ConsumptionNotary.at(manifest["contracts"]["ConsumptionNotary"]["address"])
    registry = ModelRegistry.at(manifest["contracts"]["ModelRegistry"]["address"])
    assert (notary.challengeWindow(), registry.minNotice()) == (3600, 86400)
    assert notary.hasRole(notary.REWARD_PAYER_ROLE(), payer)


@pytest.mark.parametrize(
    "variable,text,message",
    [
        ("LEC_CHALLENGE_WINDOW", "a day", "LEC_CHALLENGE_WINDOW='a day' is not a whole number of seconds"),
        ("LEC_MIN_NOTICE", "-1", "LEC_MIN_NOTICE='-1' is negative"),
    ],
)
def test_deploy_refuses_a_time_rule_that_is_not_a_number_of_seconds(deployments, monkeypatch, variable, text, message):
    monkeypatch.setenv(variable, text)
    with pytest.raises(deploy.DeployConfigError) as error:
        deploy.main()
    assert str(error.value) == message
    assert not (deployments / f"{chain.id}.json").exists()


def test_deploy_refuses_a_challenge_window_over_seven_days(deployments, monkeypatch):
    monkeypatch.setenv("LEC_CHALLENGE_WINDOW", str(7 * 86_400 + 1))
    with reverts_with("ChallengeWindowOutOfRange", 604_801, 604_800):
        deploy.main()
    assert not (deployments / f"{chain.id}.json").exists()


def test_created_community_is_recorded_once(deployments, platform_admin, community_admin, token_admin):
    manifest = deploy.main()
    token = create_community(
        manifest,
        platform_admin,
        "Borgo Solare",
        "BSOL",
        community_admin.address,
        token_admin.address,
        100 * E18,
        500 * E18,
        100,
    )
    again = create_community(
        manifest,
        platform_admin,
        "Borgo Solare",
        "BSOL",
        community_admin.address,
        token_admin.address,
        100 * E18,
        500 * E18,
        100,
    )
    assert again.address == token.address
    saved = load_manifest(chain.id)
    assert saved["communities"]["Borgo Solare"]["address"] == token.address
    assert saved["communities"]["Borgo Solare"]["symbol"] == "BSOL"
    # a JavaScript or Python reader needs only the manifest's shared token ABI
    reader = web3.eth.contract(address=token.address, abi=saved["communityToken"]["abi"])
    assert reader.functions.name().call() == "Borgo Solare"
    assert CommunityToken.at(token.address).feeBps() == 100
    # the community trusts the deployed notary with its reward escrow
    assert reader.functions.rewardDistributor().call() == manifest["contracts"]["ConsumptionNotary"]["address"]


def test_missing_or_foreign_manifest_is_a_clear_error(deployments):
    with pytest.raises(FileNotFoundError, match="run scripts/deploy.py first"):
        load_manifest(chain.id)
    (deployments / f"{chain.id}.json").write_text(json.dumps({"format": "something-else", "chainId": chain.id}))
    with pytest.raises(ValueError, match="is not a lec-deployment-v1 manifest"):
        load_manifest(chain.id)

"""scripts/deploy.py and the deployment manifest other parts read."""
import json

import pytest
from brownie import CommunityToken, chain, web3

from scripts import deploy
from scripts.community import create_community
from scripts.manifest import FORMAT, load_manifest, manifest_path

from .conftest import E18


@pytest.fixture
def deployments(tmp_path, monkeypatch):
    monkeypatch.setenv("LEC_DEPLOYMENTS_DIR", str(tmp_path))
    return tmp_path


def test_deploy_writes_a_manifest_that_finds_every_contract(deployments, platform_admin, oracle_admin, oracle):
    written = deploy.main()
    assert manifest_path(chain.id) == deployments / f"{chain.id}.json"
    manifest = load_manifest(chain.id)
    assert manifest == json.loads((deployments / f"{chain.id}.json").read_text()) == written
    assert manifest["format"] == FORMAT and manifest["chainId"] == chain.id
    assert manifest["roles"]["platformAdmin"] == platform_admin.address
    assert manifest["roles"]["oracle"] == oracle.address
    assert set(manifest["contracts"]) == {"CommunityFactory", "ModelRegistry", "ConsumptionNotary",
                                          "LightingCertification"}
    for name, entry in manifest["contracts"].items():
        assert len(web3.eth.get_code(entry["address"])) > 0, name
        assert any(item.get("type") == "function" for item in entry["abi"]), name
    # the roles are wired as the manifest says
    registry = web3.eth.contract(address=manifest["contracts"]["ModelRegistry"]["address"],
                                 abi=manifest["contracts"]["ModelRegistry"]["abi"])
    assert registry.functions.hasRole(web3.keccak(text="ORACLE_ADMIN"), oracle_admin.address).call()
    notary = web3.eth.contract(address=manifest["contracts"]["ConsumptionNotary"]["address"],
                               abi=manifest["contracts"]["ConsumptionNotary"]["abi"])
    assert notary.functions.hasRole(web3.keccak(text="ORACLE"), oracle.address).call()
    factory = web3.eth.contract(address=manifest["contracts"]["CommunityFactory"]["address"],
                                abi=manifest["contracts"]["CommunityFactory"]["abi"])
    assert factory.functions.rewardDistributor().call() == notary.address


def test_created_community_is_recorded_once(deployments, platform_admin, community_admin, token_admin):
    manifest = deploy.main()
    token = create_community(manifest, platform_admin, "Borgo Solare", "BSOL", community_admin.address,
                             token_admin.address, 100 * E18, 500 * E18, 100)
    again = create_community(manifest, platform_admin, "Borgo Solare", "BSOL", community_admin.address,
                             token_admin.address, 100 * E18, 500 * E18, 100)
    assert again.address == token.address
    saved = load_manifest(chain.id)
    assert saved["communities"]["Borgo Solare"]["address"] == token.address
    assert saved["communities"]["Borgo Solare"]["symbol"] == "BSOL"
    # a JavaScript or Python reader needs only the manifest's shared token ABI
    reader = web3.eth.contract(address=token.address, abi=saved["communityToken"]["abi"])
    assert reader.functions.name().call() == "Borgo Solare"
    assert CommunityToken.at(token.address).feeBps() == 100


def test_missing_or_foreign_manifest_is_a_clear_error(deployments):
    with pytest.raises(FileNotFoundError, match="run scripts/deploy.py first"):
        load_manifest(chain.id)
    (deployments / f"{chain.id}.json").write_text(json.dumps({"format": "something-else", "chainId": chain.id}))
    with pytest.raises(ValueError, match="is not a lec-deployment-v1 manifest"):
        load_manifest(chain.id)

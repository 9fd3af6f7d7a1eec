"""`generate`: the files decode back to the keys they were made from, every genesis field is the configuration's,
keys given with --keys-from are used unchanged, and bad input is refused with a sentence before anything is written."""

import json
import os
import stat
import tomllib

import pytest
from besu_gen.errors import NetworkError
from besu_gen.extradata import decode_extra_data
from besu_gen.genesis import BFT_MIX_HASH, GAS_LIMIT
from eth_account import Account
from eth_utils import keccak

from oracle.keystore import ROLES

from .conftest import PASSPHRASE, node_keys, read_json, tree_snapshot

SECP256K1_N = int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16)  # SEC 2, §2.4.1


def node_files(directory, name):
    folder = directory / "nodes" / name
    return (folder / "key").read_text(), (folder / "key.pub").read_text(), (folder / "address").read_text()


@pytest.mark.parametrize("consensus", ["ibft2", "qbft"])
def test_extra_data_names_exactly_the_generated_validators(tmp_path, generate_network, consensus):
    network = generate_network(tmp_path / "net", consensus=consensus)
    genesis = read_json(tmp_path / "net" / "genesis.json")
    decoded = decode_extra_data(consensus, bytes.fromhex(genesis["extraData"][2:]))
    on_disk = [node_files(tmp_path / "net", f"node{i}")[2] for i in range(1, 5)]
    assert ["0x" + v.hex() for v in decoded.validators] == on_disk
    assert len(set(on_disk)) == 4
    assert (decoded.vote, decoded.round, decoded.seals) == (None, 0, [])
    assert [node.name for node in network.nodes] == ["node1", "node2", "node3", "node4"]


def test_node_files_agree_with_their_key(tmp_path, generate_network):
    """key.pub = the public key of `key`; address = last 20 bytes of its keccak; the enode URLs carry key.pub."""
    generate_network(tmp_path / "net")
    static_nodes = read_json(tmp_path / "net" / "static-nodes.json")
    for i in range(1, 5):
        key, pub, address = node_files(tmp_path / "net", f"node{i}")
        assert key.startswith("0x") and len(key) == 66 and 0 < int(key, 16) < SECP256K1_N
        # eth-account derives the account address of the same private key independently of the generator
        assert Account.from_key(key).address.lower() == address
        assert "0x" + keccak(bytes.fromhex(pub[2:]))[-20:].hex() == address
        assert static_nodes[i - 1] == f"enode://{pub[2:]}@172.16.239.{10 + i}:30303"
        mode = stat.S_IMODE(os.stat(tmp_path / "net" / "nodes" / f"node{i}" / "key").st_mode)
        assert mode == 0o600


@pytest.mark.parametrize(
    "options,bft_key,period,chain_id",
    [
        ({}, "ibft2", 2, 1981),
        ({"consensus": "qbft"}, "qbft", 2, 1981),
        ({"block_period": 10}, "ibft2", 10, 1981),
        ({"consensus": "qbft", "block_period": 5, "chain_id": 2024}, "qbft", 5, 2024),
    ],
)
def test_every_genesis_field_follows_the_configuration(tmp_path, generate_network, options, bft_key, period, chain_id):
    network = generate_network(tmp_path / "net", **options)
    genesis = read_json(tmp_path / "net" / "genesis.json")
    assert genesis["config"] == {
        "chainId": chain_id,
        "berlinBlock": 0,
        "londonBlock": 0,
        "shanghaiTime": 0,
        "cancunTime": 0,
        "zeroBaseFee": True,
        bft_key: {"blockperiodseconds": period, "epochlength": 30000, "requesttimeoutseconds": 10},
    }
    assert genesis["mixHash"] == "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365" == BFT_MIX_HASH
    assert bytes.fromhex(genesis["mixHash"][2:]) == b"ctical byzantine fault tolerance"  # "(pra)ctical ...", 32 bytes
    assert (genesis["difficulty"], genesis["nonce"], genesis["timestamp"]) == ("0x1", "0x0", "0x58ee40ba")
    assert genesis["coinbase"] == "0x" + "0" * 40 and genesis["baseFeePerGas"] == "0x0"
    assert int(genesis["gasLimit"], 16) == GAS_LIMIT == 100_000_000
    # the platform's six accounts, pre-funded with 1000 ether each
    assert genesis["alloc"] == {a.lower()[2:]: {"balance": hex(1000 * 10**18)} for a in network.accounts.values()}
    assert set(network.accounts) == set(ROLES)
    settings = read_json(tmp_path / "net" / "network.json")
    assert (settings["consensus"], settings["blockPeriod"], settings["chainId"]) == (bft_key, period, chain_id)


def test_permissions_allow_every_node_and_the_platform_accounts(tmp_path, generate_network):
    network = generate_network(tmp_path / "net")
    permissions = tomllib.loads((tmp_path / "net" / "permissions_config.toml").read_text())
    assert permissions["nodes-allowlist"] == read_json(tmp_path / "net" / "static-nodes.json")
    assert permissions["nodes-allowlist"] == [n.enode_url for n in network.nodes]
    assert permissions["accounts-allowlist"] == [a.lower() for a in network.accounts.values()]
    env = dict(
        line.split("=", 1)
        for line in (tmp_path / "net" / ".env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert env["NETWORK_DIR"] == str((tmp_path / "net").resolve()) and env["CONSENSUS_API"] == "IBFT"
    assert [env[f"NODE{i}_IP"] for i in range(1, 5)] == [f"172.16.239.{10 + i}" for i in range(1, 5)]


def test_platform_keystores_are_encrypted_and_unlock_with_the_passphrase(tmp_path, generate_network):
    network = generate_network(tmp_path / "net")
    keystores = tmp_path / "net" / "keystores"
    assert sorted(p.stem for p in keystores.iterdir()) == sorted(ROLES)
    assert stat.S_IMODE(os.stat(keystores).st_mode) == 0o700
    for role in ("platform_admin", "reward_payer"):
        document = read_json(keystores / f"{role}.json")
        assert document["crypto"]["kdf"] == "scrypt" and "privateKey" not in json.dumps(document)
        assert stat.S_IMODE(os.stat(keystores / f"{role}.json").st_mode) == 0o600
        assert Account.from_key(Account.decrypt(document, PASSPHRASE)).address == network.accounts[role]
    with pytest.raises(ValueError):
        Account.decrypt(read_json(keystores / "oracle.json"), "another passphrase")


def write_key(folder, text):
    folder.mkdir(parents=True)
    (folder / "key").write_text(text)
    return folder / "key"


def test_keys_from_are_used_unchanged_in_name_order(tmp_path, generate_network):
    given = tmp_path / "given"
    # an organisation's key files as Besu writes them (0x, no newline) and as an operator might (no 0x, newline)
    write_key(given / "b-partner", "0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63")
    write_key(given / "a-ours", "c87509a1c067bbde78beb793e6fa76530b6382a4c0241e5e4a9ec0a0f44dc0d3\n")
    network = generate_network(tmp_path / "net", keys_from=given)
    out = tmp_path / "net"
    assert (out / "nodes" / "node1" / "key").read_bytes() == (given / "a-ours" / "key").read_bytes()
    assert (out / "nodes" / "node2" / "key").read_bytes() == (given / "b-partner" / "key").read_bytes()
    # Besu's documented test accounts: the addresses of these two keys (docs/global/test_accounts.md)
    assert node_files(out, "node1")[2] == "0x627306090abab3a6e1400e9345bc60c78a8bef57"
    assert node_files(out, "node2")[2] == "0xfe3b557e8fb62b89f4916b721be55ceb828dbd73"
    assert [n.source is not None for n in network.nodes] == [True, True, False, False]  # 2 given, 2 generated
    validators = decode_extra_data("ibft2", bytes.fromhex(read_json(out / "genesis.json")["extraData"][2:])).validators
    assert ["0x" + v.hex() for v in validators[:2]] == [
        "0x627306090abab3a6e1400e9345bc60c78a8bef57",
        "0xfe3b557e8fb62b89f4916b721be55ceb828dbd73",
    ]


def test_keys_from_a_previous_network_rebuild_the_same_validators(tmp_path, generate_network):
    first = generate_network(tmp_path / "first")
    second = generate_network(tmp_path / "second", keys_from=tmp_path / "first" / "nodes", consensus="qbft")
    assert node_keys(tmp_path / "first") == node_keys(tmp_path / "second")
    assert [n.key.address for n in first.nodes] == [n.key.address for n in second.nodes]


def test_more_keys_than_four_make_as_many_validators_unless_validators_says_fewer(tmp_path, generate_network):
    generate_network(tmp_path / "six")
    given = tmp_path / "six" / "nodes"
    for extra in ("node5", "node6"):
        write_key(given / extra, "0x" + (extra[-1] * 64))
    assert len(generate_network(tmp_path / "net", keys_from=given).nodes) == 6
    with pytest.raises(NetworkError, match=r"gives 6 node keys but --validators is 4"):
        generate_network(tmp_path / "net4", keys_from=given, validators=4)
    assert not (tmp_path / "net4").exists()


@pytest.mark.parametrize(
    "text,why",
    [
        ("", "an empty file"),
        ("0x1234", "4 characters|6 characters"),
        ("0x" + "g" * 64, "expected one line of 64 hex digits"),
        ("0x" + "ab" * 32 + "\n0x" + "cd" * 32, "expected one line of 64 hex digits"),
        ("0x" + "00" * 32, "between 1 and n - 1"),
        (hex(SECP256K1_N), "between 1 and n - 1"),
        ("-----BEGIN EC PRIVATE KEY-----", "expected one line of 64 hex digits"),
    ],
)
def test_a_malformed_key_file_is_refused_with_a_sentence_naming_it(tmp_path, generate_network, text, why):
    key_file = write_key(tmp_path / "given" / "node1", text)
    with pytest.raises(NetworkError, match=why) as refused:
        generate_network(tmp_path / "net", keys_from=tmp_path / "given")
    assert str(key_file) in str(refused.value)
    assert not (tmp_path / "net").exists()


def test_a_duplicate_key_is_refused_naming_both_files(tmp_path, generate_network):
    key = "0xae6ae8e5ccbfb04590405997ee2d52d2b330726137b875053c36d94e974d162f"
    first = write_key(tmp_path / "given" / "n1", key)
    second = write_key(tmp_path / "given" / "n2", key[2:].upper() + "\n")  # the same key written differently
    with pytest.raises(NetworkError, match="hold the same key") as refused:
        generate_network(tmp_path / "net", keys_from=tmp_path / "given")
    assert str(first) in str(refused.value) and str(second) in str(refused.value)
    assert "0xf17f52151ebef6c7334fad080c5704d77216b732" in str(refused.value)  # its address (test account 3)


def test_a_node_folder_without_key_and_an_empty_keys_directory_are_refused(tmp_path, generate_network):
    (tmp_path / "empty").mkdir()
    with pytest.raises(NetworkError, match="has no node folders"):
        generate_network(tmp_path / "net", keys_from=tmp_path / "empty")
    (tmp_path / "given" / "node1").mkdir(parents=True)
    with pytest.raises(NetworkError, match="has no `key` file"):
        generate_network(tmp_path / "net", keys_from=tmp_path / "given")
    with pytest.raises(NetworkError, match="no such directory"):
        generate_network(tmp_path / "net", keys_from=tmp_path / "missing")


@pytest.mark.parametrize(
    "options,message",
    [
        ({"validators": 0}, "at least one validator"),
        ({"validators": -3}, "at least one validator"),
        ({"consensus": "clique"}, "is not one of ibft2, qbft"),
        ({"block_period": 0}, "at least 1"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(tmp_path, generate_network, options, message):
    with pytest.raises(NetworkError, match=message):
        generate_network(tmp_path / "net", **options)
    assert not (tmp_path / "net").exists()


def test_one_validator_is_enough(tmp_path, generate_network):
    network = generate_network(tmp_path / "net", validators=1)
    extra = bytes.fromhex(read_json(tmp_path / "net" / "genesis.json")["extraData"][2:])
    assert decode_extra_data("ibft2", extra).validators == [network.nodes[0].key.address]


def test_an_existing_network_is_not_overwritten(tmp_path, generate_network):
    generate_network(tmp_path / "net")
    before = tree_snapshot(tmp_path / "net")
    with pytest.raises(NetworkError, match="already holds a network"):
        generate_network(tmp_path / "net")
    assert tree_snapshot(tmp_path / "net") == before


def test_keystores_are_needed_once_and_then_kept(tmp_path, key_env):
    from besu_gen import layout
    from besu_gen.generate import Options, generate

    with pytest.raises(NetworkError, match="set LEC_KEYSTORE_PASSPHRASE"):
        generate(tmp_path / "net", Options(), {})
    assert not (tmp_path / "net").exists()
    first = generate(tmp_path / "net", Options(), key_env)
    layout.remove_generated(tmp_path / "net")  # what network.sh clear removes: keys and files, not keystores
    assert not (tmp_path / "net" / "nodes").exists() and (tmp_path / "net" / "keystores").exists()
    again = generate(tmp_path / "net", Options(), {})  # no passphrase needed: every keystore exists
    assert again.accounts == first.accounts
    assert {n.key.address for n in again.nodes}.isdisjoint({n.key.address for n in first.nodes})

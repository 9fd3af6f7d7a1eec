"""Interoperability of the reward Merkle commitments with OpenZeppelin's own JS library.

An auditor checks a member's reward with `@openzeppelin/merkle-tree` (the reference implementation)
and with `ConsumptionNotary.verifyTakeout`; the oracle builds the trees with the Python port
`oracle.merkle`. These tests prove the three agree, through the Node CLI `merkle_node.js` next to
this file (OpenZeppelin's StandardMerkleTree 1.0.8 from the project's node_modules):

- a tree built by Node is committed on-chain, and its Node proofs verify, claim and push rewards;
- Python and Node give the same root, the same tree, the same proofs, and read each other's dumps;
- the single-leaf tree (root = leaf, empty proof) works on-chain;
- wrong amount / dataHash / member fail everywhere, and a tampered dump is refused on load;
- `notary.leafHash` is the Python (and Node) leaf hash.

Numbers cross the JSON boundary as decimal strings (JS numbers lose precision above 2**53).
"""
import copy
import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from brownie import web3

from oracle.merkle import (
    REWARD_LEAF_ENCODING,
    StandardMerkleTree,
    leaf_hash,
    reward_tree,
)

from .conftest import E18, b32, reverts_with

NODE_CLI = Path(__file__).resolve().parent / "merkle_node.js"
NODE = shutil.which("node")

MODEL_ID = b32("self_consumption")
EPOCH = 1
PERIOD_START = 1_704_067_200  # 2024-01-01
PERIOD_END = PERIOD_START + 31 * 86_400
DATASET_HASH = bytes(web3.keccak(text="dataset: Borgo Pieno, January 2024"))

SIZES = [1, 2, 3, 4, 5, 8, 13, 100]


# --------------------------------------------------------------------------------------- helpers


def node(command: str, payload: dict) -> dict:
    """Runs `node merkle_node.js <command>` with `payload` as JSON on stdin; returns its JSON answer."""
    assert NODE, "node is required for the Merkle interop tests"
    done = subprocess.run(
        [NODE, str(NODE_CLI), command],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"merkle_node.js {command} failed ({done.returncode}): {done.stderr}"
    return json.loads(done.stdout)


def hx(value) -> str:
    """A bytes32 (bytes, HexBytes or brownie HexString) as a lower-case 0x-hex string."""
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") else "0x" + value.lower()
    return web3.to_hex(value)


def json_value(member: str, amount: int, data_hash) -> list:
    """A reward leaf in the JSON form both libraries read: [address, decimal string, 0x-hex]."""
    return [member, str(amount), hx(data_hash)]


def node_build(values) -> dict:
    return node("build", {"leafEncoding": REWARD_LEAF_ENCODING, "values": [json_value(*v) for v in values]})


def node_verify(dump: dict, value, proof) -> dict:
    return node("verify", {"dump": dump, "value": json_value(*value), "proof": list(proof)})


def python_verifies(root, value, proof) -> bool:
    """Python counterpart of OpenZeppelin's static StandardMerkleTree.verify(root, encoding, value, proof)."""
    return StandardMerkleTree.verify_value(root, REWARD_LEAF_ENCODING, value, proof)


def random_leaves(count: int, seed: int) -> list[tuple[str, int, bytes]]:
    """Seeded random (address, amount, dataHash) leaves; amounts span the whole uint256 range."""
    rng = random.Random(seed)
    leaves = []
    for i in range(count):
        address = web3.to_checksum_address("0x" + rng.randbytes(20).hex())
        amount = rng.choice([0, 1, rng.randrange(10**15, 10**21), rng.randrange(2**256)])
        leaves.append((address, amount, rng.randbytes(32)))
    return leaves


def member_leaves(members, seed: int = 7) -> list[tuple[str, int, bytes]]:
    """One leaf per member: distinct amounts (a few tokens, with wei precision) and seeded data hashes."""
    rng = random.Random(seed)
    return [
        (m.address, (i + 1) * 37 * E18 + rng.randrange(E18), rng.randbytes(32)) for i, m in enumerate(members)
    ]


def commitment(root, leaf_count: int, total: int) -> tuple:
    return (PERIOD_START, PERIOD_END, root, MODEL_ID, 1, DATASET_HASH, leaf_count, total)


def notary_events(tx, notary, name: str) -> list:
    """Events `name` of the notary only (CommunityToken emits a RewardPaid of its own)."""
    return [e for e in tx.events[name] if e.address == notary.address] if name in tx.events else []


def balances(token, members) -> list[int]:
    return [token.balanceOf(m) for m in members]


# -------------------------------------------------------------------------------------- fixtures


@pytest.fixture
def members(alice, bob, carol, shop, hall):
    return [alice, bob, carol, shop, hall]


@pytest.fixture
def active_model(registry, token, oracle_admin):
    registry.publishVersion(MODEL_ID, [b32("alpha_consumer")], [1_000_000], 0, {"from": oracle_admin})
    registry.setActiveModel(token, MODEL_ID, {"from": oracle_admin})


@pytest.fixture
def commit(notary, token, oracle, active_model):
    """Commits epoch 1 of the funded community over a root."""

    def _commit(root, leaf_count: int, total: int):
        notary.commitEpoch(token, EPOCH, commitment(root, leaf_count, total), {"from": oracle})

    return _commit


@pytest.fixture
def node_epoch(members, commit, notary, token):
    """Epoch 1 committed over a tree built by Node (OpenZeppelin) over the five members."""
    leaves = member_leaves(members)
    built = node_build(leaves)
    commit(built["root"], len(leaves), sum(amount for _, amount, _ in leaves))
    assert hx(notary.getEpoch(token, EPOCH)[0][2]) == built["root"]
    return leaves, built


# ------------------------------------------------------------------ Node tree committed on-chain


def test_node_proofs_verify_and_claim_on_chain(node_epoch, notary, token, members, outsider):
    leaves, built = node_epoch
    assert [p["value"] for p in built["proofs"]] == [json_value(*leaf) for leaf in leaves]
    assert built["root"] == reward_tree(leaves).root_hex

    for (member, amount, data_hash), entry in zip(leaves, built["proofs"]):
        assert notary.verifyTakeout(token, EPOCH, member, amount, data_hash, entry["proof"]) is True

    total = 0
    for index, ((member, amount, data_hash), entry) in enumerate(zip(leaves, built["proofs"])):
        before = balances(token, members)
        # anyone may send a claim; the tokens always go to the member
        sender = members[index] if index % 2 == 0 else members[(index + 1) % len(members)]
        tx = notary.claim(token, EPOCH, member, amount, data_hash, entry["proof"], {"from": sender})
        assert [(e["member"], e["amount"], e["pushed"]) for e in notary_events(tx, notary, "RewardPaid")] == [
            (member, amount, False)
        ]
        after = balances(token, members)
        assert after[index] - before[index] == amount
        assert [a - b for i, (a, b) in enumerate(zip(after, before)) if i != index] == [0] * (len(members) - 1)
        assert notary.isPaid(token, EPOCH, member)
        total += amount

    epoch = notary.getEpoch(token, EPOCH)
    assert epoch[2] == len(leaves)  # paidCount
    assert epoch[4] == total == epoch[0][7]  # paidTotal == totalReward


def test_push_rewards_with_node_proofs(node_epoch, notary, token, members, oracle):
    leaves, built = node_epoch
    # two leaves are claimed first; the pushed batch then skips them and pays the other three
    for (member, amount, data_hash), entry in list(zip(leaves, built["proofs"]))[:2]:
        notary.claim(token, EPOCH, member, amount, data_hash, entry["proof"], {"from": member})

    before = balances(token, members)
    payments = [(m, a, d, e["proof"]) for (m, a, d), e in zip(leaves, built["proofs"])]
    tx = notary.pushRewards(token, EPOCH, payments, {"from": oracle})
    after = balances(token, members)

    assert [a - b for a, b in zip(after, before)] == [0, 0] + [amount for _, amount, _ in leaves[2:]]
    assert [e["member"] for e in tx.events["RewardAlreadyPaid"]] == [m for m, _, _ in leaves[:2]]
    assert [(e["member"], e["amount"], e["pushed"]) for e in notary_events(tx, notary, "RewardPaid")] == [
        (m, a, True) for m, a, _ in leaves[2:]
    ]
    assert all(notary.isPaid(token, EPOCH, m) for m in members)


def test_single_leaf_tree(members, commit, notary, token):
    alice = members[0]
    leaf = (alice.address, 250 * E18, bytes(web3.keccak(text="alice, January")))
    built = node_build([leaf])
    expected_leaf = hx(leaf_hash(leaf, REWARD_LEAF_ENCODING))

    assert built["root"] == expected_leaf == hx(notary.leafHash(*leaf))
    assert built["proofs"] == [{"value": json_value(*leaf), "proof": []}]
    assert built["dump"]["tree"] == [expected_leaf]
    python_tree = reward_tree([leaf])
    assert python_tree.root_hex == expected_leaf and python_tree.proof(0) == []
    assert node_verify(python_tree.dump(), leaf, [])["ok"] is True

    commit(built["root"], 1, leaf[1])
    assert notary.verifyTakeout(token, EPOCH, *leaf, []) is True
    before = token.balanceOf(alice)
    notary.claim(token, EPOCH, *leaf, [], {"from": alice})
    assert token.balanceOf(alice) - before == leaf[1]


# ------------------------------------------------------------------------- Python <-> Node agreement


@pytest.mark.parametrize("size", SIZES)
def test_python_and_node_build_the_same_tree(size):
    leaves = random_leaves(size, seed=1000 + size)
    python_tree = reward_tree(leaves)
    built = node_build(leaves)

    assert python_tree.root_hex == built["root"]
    python_dump = python_tree.dump()
    assert python_dump["tree"] == built["dump"]["tree"]
    assert [v["treeIndex"] for v in python_dump["values"]] == [v["treeIndex"] for v in built["dump"]["values"]]
    assert node("leafhash", {"leafEncoding": REWARD_LEAF_ENCODING, "values": [json_value(*v) for v in leaves]})[
        "hashes"
    ] == [hx(leaf_hash(v, REWARD_LEAF_ENCODING)) for v in leaves]

    # Python's dump loads in Node (load + validate) and every Python proof verifies there
    answer = node(
        "verify",
        {
            "dump": json.loads(json.dumps(python_dump)),
            "items": [{"value": json_value(*v), "proof": python_tree.proof_hex(i)} for i, v in enumerate(leaves)],
        },
    )
    assert answer["ok"] is True, answer
    assert answer["root"] == python_tree.root_hex
    assert len(answer["results"]) == size
    assert all(r["treeVerify"] and r["staticVerify"] for r in answer["results"])

    # Node's dump loads in Python, and Python's proofs are Node's proofs
    loaded = StandardMerkleTree.load(built["dump"])
    assert loaded.root_hex == built["root"]
    assert loaded.values() == python_tree.values()
    for i, entry in enumerate(built["proofs"]):
        assert entry["value"] == json_value(*leaves[i])
        assert python_tree.proof_hex(i) == entry["proof"]
        assert loaded.proof_hex(i) == entry["proof"]
        assert loaded.verify(i, loaded.proof(i))
        assert python_verifies(python_tree.root, leaves[i], entry["proof"])


def test_python_dump_round_trips_through_json_and_back():
    leaves = random_leaves(13, seed=42)
    python_tree = reward_tree(leaves)
    dump = json.loads(json.dumps(python_tree.dump()))
    again = StandardMerkleTree.load(dump)
    assert again.dump() == python_tree.dump()
    assert [again.proof_hex(i) for i in range(13)] == [python_tree.proof_hex(i) for i in range(13)]


# ----------------------------------------------------------------------------------- leaf hash


def test_leaf_hash_matches_contract(notary, members):
    leaves = member_leaves(members) + random_leaves(8, seed=99)
    leaves.append((members[0].address, 2**256 - 1, b"\xff" * 32))
    leaves.append((members[1].address, 0, b"\x00" * 32))
    node_hashes = node("leafhash", {"leafEncoding": REWARD_LEAF_ENCODING, "values": [json_value(*v) for v in leaves]})[
        "hashes"
    ]
    for leaf, from_node in zip(leaves, node_hashes):
        on_chain = hx(notary.leafHash(*leaf))
        assert on_chain == hx(leaf_hash(leaf, REWARD_LEAF_ENCODING)) == from_node


# ---------------------------------------------------------------------------------- negative cases


def _forged(leaves, members, what: str):
    """Alice's real proof, presented with one field of her leaf changed."""
    member, amount, data_hash = leaves[0]
    if what == "amount":
        return member, amount + 1, data_hash
    if what == "dataHash":
        return member, amount, bytes([data_hash[0] ^ 1]) + data_hash[1:]
    if what == "member":
        return members[1].address, amount, data_hash
    raise AssertionError(what)


@pytest.mark.parametrize("what", ["amount", "dataHash", "member"])
def test_forged_leaf_fails_everywhere(what, node_epoch, notary, token, members, oracle):
    leaves, built = node_epoch
    proof = built["proofs"][0]["proof"]
    forged = _forged(leaves, members, what)
    root = bytes.fromhex(built["root"][2:])

    # the genuine leaf passes everywhere (so failures below are due to the forgery only)
    assert node_verify(built["dump"], leaves[0], proof)["ok"] is True
    assert python_verifies(root, leaves[0], proof)
    assert notary.verifyTakeout(token, EPOCH, *leaves[0], proof) is True

    answer = node_verify(built["dump"], forged, proof)
    assert answer == {"root": built["root"], "ok": False, "treeVerify": False, "staticVerify": False}
    assert not python_verifies(root, forged, proof)
    assert notary.verifyTakeout(token, EPOCH, *forged, proof) is False

    member, amount, data_hash = forged
    with reverts_with("InvalidProof", member, amount, "0x" + data_hash.hex()):
        notary.claim(token, EPOCH, member, amount, data_hash, proof, {"from": members[0]})
    # a bad proof fails the whole pushed batch. It goes first: pushRewards skips a member already paid
    # (earlier in the batch) before looking at the proof, so a forged entry for bob after bob's genuine
    # payment would be skipped, not rejected.
    genuine = [(m, a, d, e["proof"]) for (m, a, d), e in zip(leaves, built["proofs"])]
    with reverts_with("InvalidProof", member, amount, "0x" + data_hash.hex()):
        notary.pushRewards(token, EPOCH, [(member, amount, data_hash, proof)] + genuine, {"from": oracle})
    assert not any(notary.isPaid(token, EPOCH, m) for m in members)


def test_proof_of_another_leaf_fails(node_epoch, notary, token, members):
    leaves, built = node_epoch
    alice_leaf, bob_proof = leaves[0], built["proofs"][1]["proof"]
    root = bytes.fromhex(built["root"][2:])
    assert node_verify(built["dump"], alice_leaf, bob_proof)["ok"] is False
    assert not python_verifies(root, alice_leaf, bob_proof)
    assert not StandardMerkleTree.load(built["dump"]).verify(0, [bytes.fromhex(p[2:]) for p in bob_proof])
    assert notary.verifyTakeout(token, EPOCH, *alice_leaf, bob_proof) is False
    member, amount, data_hash = alice_leaf
    with reverts_with("InvalidProof", member, amount, "0x" + data_hash.hex()):
        notary.claim(token, EPOCH, member, amount, data_hash, bob_proof, {"from": members[0]})


TAMPER_CASES = [(size, where) for size in (2, 5, 13) for where in ("root", "internal", "leaf", "last")
                if not (size == 2 and where == "internal")]  # a two-leaf tree has no internal node but the root


@pytest.mark.parametrize("size,where", TAMPER_CASES)
@pytest.mark.parametrize("maker", ["python", "node"])
def test_tampered_dump_is_rejected(maker, size, where):
    """One tree node changed (one bit): the root, an internal node, the first or the last leaf."""
    leaves = random_leaves(size, seed=7 * size)
    dump = reward_tree(leaves).dump() if maker == "python" else node_build(leaves)["dump"]
    dump = json.loads(json.dumps(dump))
    tree = dump["tree"]
    index = {"root": 0, "internal": 1, "leaf": size - 1, "last": len(tree) - 1}[where]
    original = tree[index]
    tampered = copy.deepcopy(dump)
    tampered["tree"][index] = "0x" + (int(original, 16) ^ 1).to_bytes(32, "big").hex()

    # the untampered dump loads on both sides
    assert StandardMerkleTree.load(dump).root_hex == tree[0]
    assert node_verify(dump, leaves[0], reward_tree(leaves).proof_hex(0))["ok"] is True

    with pytest.raises(ValueError):
        StandardMerkleTree.load(tampered)
    answer = node_verify(tampered, leaves[0], reward_tree(leaves).proof_hex(0))
    assert answer["ok"] is False and "error" in answer, answer


def test_node_rejects_forged_root_behind_duplicated_values():
    """A dump whose `values` list repeats entries is still validated node by node in OpenZeppelin's JS."""
    leaves = random_leaves(5, seed=5)
    dump = reward_tree(leaves).dump()
    forged = copy.deepcopy(dump)
    forged["values"] = forged["values"] * 3
    forged["tree"][0] = "0x" + "11" * 32
    answer = node_verify(forged, leaves[0], reward_tree(leaves).proof_hex(0))
    assert answer == {"ok": False, "error": "Merkle tree is invalid"}


# ------------------------------------------------------ dumps that Python and JS treat alike


def test_python_load_rejects_forged_root_behind_duplicated_values():
    leaves = random_leaves(5, seed=5)
    forged = reward_tree(leaves).dump()
    forged["values"] = forged["values"] * 3
    forged["tree"][0] = "0x" + "11" * 32
    try:
        loaded = StandardMerkleTree.load(forged)
    except ValueError:
        return
    raise AssertionError(f"forged dump accepted, root {loaded.root_hex}")


def test_python_loads_node_dump_with_hex_amounts():
    leaves = random_leaves(3, seed=3)
    values = [[m, hex(a), hx(d)] for m, a, d in leaves]
    built = node("build", {"leafEncoding": REWARD_LEAF_ENCODING, "values": values})
    assert built["root"] == reward_tree(leaves).root_hex  # same tree for JS: hex or decimal is one number
    assert StandardMerkleTree.load(built["dump"]).root_hex == built["root"]

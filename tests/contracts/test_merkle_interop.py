"""Interoperability of the reward Merkle commitments with OpenZeppelin's own JS library.

An auditor checks a member's reward with `@openzeppelin/merkle-tree` (the reference implementation)
and with `ConsumptionNotary.verifyTakeout`; the oracle builds the trees and the payment multiproofs with
the Python port `oracle.merkle`. These tests prove the three agree, through the Node CLI `merkle_node.js`
next to this file (OpenZeppelin's StandardMerkleTree 1.0.8 from the project's node_modules):

- a tree built by Node (`StandardMerkleTree.of(values, encoding, {sortLeaves: false})` over
  (index, member, amount, dataHash)) is the Python `reward_tree`; committed on-chain, its proofs claim
  and its multiproofs (`getMultiProof`) push rewards;
- Python and Node give the same multiproofs (values in verifier order, proof, flags) for any set of indexes,
  across the 256-index bitmap word; Node's verify in Python (`process_multiproof`) and Python's verify in
  Node (`StandardMerkleTree.verifyMultiProof`);
- Python and Node give the same root, the same tree, the same proofs, and read each other's dumps,
  sorted or not, and for the first notary's leaf encoding (old take-out files);
- the single-leaf tree (root = leaf, empty proof and multiproof) works on-chain;
- wrong index / amount / dataHash / member fail everywhere, and a tampered dump is refused on load;
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
from brownie import chain, web3

from oracle.merkle import (
    REWARD_LEAF_ENCODING,
    REWARD_LEAF_ENCODING_V1,
    StandardMerkleTree,
    leaf_hash,
    pack_leaves,
    process_multiproof,
    reward_tree,
)

from .conftest import CITIZEN, CONSUMER, E18, b32, reverts_with

NODE_CLI = Path(__file__).resolve().parent / "merkle_node.js"
NODE = shutil.which("node")

MODEL_ID = b32("self_consumption")
EPOCH = 1
DATASET_HASH = bytes(web3.keccak(text="dataset: Borgo Pieno, one month"))

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


def json_value(index: int, member: str, amount: int, data_hash) -> list:
    """A reward leaf in the JSON form both libraries read: [decimal string, address, decimal string, 0x-hex]."""
    return [str(index), member, str(amount), hx(data_hash)]


def values_of(leaves) -> list[tuple]:
    """(member, amount, dataHash) leaves as the notary's index-bound values (index = position)."""
    return [(i, *leaf) for i, leaf in enumerate(leaves)]


def node_build(leaves, sort_leaves: bool = False) -> dict:
    """OpenZeppelin's tree over the index-bound values of `leaves`; unsorted (the notary's layout) by default."""
    return node(
        "build",
        {
            "leafEncoding": REWARD_LEAF_ENCODING,
            "sortLeaves": sort_leaves,
            "values": [json_value(*v) for v in values_of(leaves)],
        },
    )


def node_verify(dump: dict, value, proof) -> dict:
    return node("verify", {"dump": dump, "value": json_value(*value), "proof": list(proof)})


def node_multiproof(dump: dict, indexes) -> dict:
    return node("multiproof", {"dump": dump, "indexes": list(indexes)})


def node_verify_multi(root: str, leaves_json, proof, flags, dump=None) -> dict:
    payload = {
        "root": root,
        "leafEncoding": REWARD_LEAF_ENCODING,
        "leaves": leaves_json,
        "proof": [hx(p) for p in proof],
        "proofFlags": list(flags),
    }
    if dump is not None:
        payload["dump"] = dump
    return node("verifymulti", payload)


def from_json(value) -> tuple:
    """A JSON leaf [index, member, amount, 0x-hash] back to the Python value."""
    index, member, amount, data_hash = value
    return int(index), web3.to_checksum_address(member), int(amount), bytes.fromhex(data_hash[2:])


def python_verifies(root, value, proof) -> bool:
    """Python counterpart of OpenZeppelin's static StandardMerkleTree.verify(root, encoding, value, proof)."""
    return StandardMerkleTree.verify_value(root, REWARD_LEAF_ENCODING, value, proof)


def python_multiproof_root(values, proof, flags) -> bytes:
    """The root a multiproof leads to in Python, from the leaf values in verifier order."""
    return process_multiproof(
        [leaf_hash(v, REWARD_LEAF_ENCODING) for v in values], [bytes.fromhex(hx(p)[2:]) for p in proof], flags
    )


def random_leaves(count: int, seed: int, amount_bits: int = 256) -> list[tuple[str, int, bytes]]:
    """Seeded random (address, amount, dataHash) leaves; amounts span [0, 2**amount_bits)."""
    rng = random.Random(seed)
    leaves = []
    for _ in range(count):
        address = web3.to_checksum_address("0x" + rng.randbytes(20).hex())
        amount = rng.choice([0, 1, rng.randrange(10**15, 10**21), rng.randrange(2**amount_bits)])
        leaves.append((address, amount, rng.randbytes(32)))
    return leaves


def member_leaves(members, seed: int = 7) -> list[tuple[str, int, bytes]]:
    """One leaf per member: distinct amounts (a few tokens, with wei precision) and seeded data hashes."""
    rng = random.Random(seed)
    return [(m.address, (i + 1) * 37 * E18 + rng.randrange(E18), rng.randbytes(32)) for i, m in enumerate(members)]


def balances(token, members) -> list[int]:
    return [token.balanceOf(m) for m in members]


# -------------------------------------------------------------------------------------- fixtures


@pytest.fixture
def members(alice, bob, carol, shop, hall):
    return [alice, bob, carol, shop, hall]


@pytest.fixture
def active_model(registry, token, oracle_admin):
    registry.publishVersion(token, MODEL_ID, [b32("alpha_consumer")], [1_000_000], 0, {"from": oracle_admin})
    registry.setActiveModel(token, MODEL_ID, 0, {"from": oracle_admin})


@pytest.fixture
def commit(notary, token, oracle, active_model):
    """Commits epoch 1 of the funded community over a root, for a period that ended an hour ago."""

    def _commit(root, leaf_count: int, total: int):
        end = chain.time() - 3600
        notary.commitEpoch(
            token, EPOCH, (end - 31 * 86_400, end, root, MODEL_ID, 1, DATASET_HASH, leaf_count, total), {"from": oracle}
        )

    return _commit


@pytest.fixture
def node_epoch(members, commit, notary, token):
    """Epoch 1 committed over a tree built by Node (OpenZeppelin, unsorted) over the five members."""
    leaves = member_leaves(members)
    built = node_build(leaves)
    commit(built["root"], len(leaves), sum(amount for _, amount, _ in leaves))
    assert hx(notary.getEpoch(token, EPOCH).dict()["merkleRoot"]) == built["root"]
    return leaves, built


# ------------------------------------------------------------------ Node tree committed on-chain


def test_node_unsorted_tree_is_the_notary_reward_tree(members):
    leaves = member_leaves(members)
    built = node_build(leaves)
    python_tree = reward_tree(leaves)
    assert built["root"] == python_tree.root_hex
    assert built["dump"] == python_tree.dump()
    # leaf i sits at tree node 2n - 2 - i: in input order, unsorted
    assert [v["treeIndex"] for v in built["dump"]["values"]] == [8, 7, 6, 5, 4]
    assert [p["proof"] for p in built["proofs"]] == [python_tree.proof_hex(i) for i in range(5)]


def test_node_proofs_verify_and_claim_on_chain(node_epoch, notary, token, members):
    leaves, built = node_epoch
    assert [p["value"] for p in built["proofs"]] == [json_value(*v) for v in values_of(leaves)]

    for value, entry in zip(values_of(leaves), built["proofs"]):
        assert notary.verifyTakeout(token, EPOCH, *value, entry["proof"]) is True

    total = 0
    for (index, member, amount, data_hash), entry in zip(values_of(leaves), built["proofs"]):
        before = balances(token, members)
        # anyone may send a claim; the tokens always go to the member
        sender = members[(index + 1) % len(members)]
        tx = notary.claim(token, EPOCH, index, member, amount, data_hash, entry["proof"], {"from": sender})
        ev = tx.events["RewardClaimed"]
        assert (ev["member"], ev["index"], ev["amount"]) == (member, index, amount)
        after = balances(token, members)
        assert [a - b for a, b in zip(after, before)] == [amount if i == index else 0 for i in range(len(members))]
        assert notary.isPaid(token, EPOCH, index)
        total += amount

    epoch = notary.getEpoch(token, EPOCH).dict()
    assert notary.paidCount(token, EPOCH) == len(leaves)
    assert epoch["paidTotal"] == total == epoch["totalReward"]


def test_node_multiproof_pushes_rewards_on_chain(node_epoch, notary, token, members, payer):
    leaves, built = node_epoch
    # leaf 2 is claimed first with Node's proof; Node's multiproof of 0, 2, 3, 4 then pays 0, 3, 4
    index, member, amount, data_hash = values_of(leaves)[2]
    notary.claim(token, EPOCH, index, member, amount, data_hash, built["proofs"][2]["proof"], {"from": member})

    multi = node_multiproof(built["dump"], [0, 2, 3, 4])
    assert [v[0] for v in multi["leaves"]] == ["0", "2", "3", "4"]  # verifier order: increasing indexes
    before = balances(token, members)
    tx = notary.pushRewards(
        token,
        EPOCH,
        pack_leaves([from_json(v) for v in multi["leaves"]]),
        multi["proof"],
        multi["proofFlags"],
        {"from": payer},
    )
    after = balances(token, members)

    amounts = [amount for _, amount, _ in leaves]
    assert [a - b for a, b in zip(after, before)] == [amounts[0], 0, 0, amounts[3], amounts[4]]
    ev = tx.events["RewardsPushed"]
    assert (ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"], ev["notMembers"]) == (
        3,
        amounts[0] + amounts[3] + amounts[4],
        1,
        0,
    )
    assert [notary.isPaid(token, EPOCH, i) for i in range(5)] == [True, False, True, True, True]
    # and Python's multiproof of the same indexes is the same
    mp = reward_tree(leaves).multiproof([0, 2, 3, 4])
    assert [hx(p) for p in mp.proof] == multi["proof"] and mp.proof_flags == multi["proofFlags"]


def test_single_leaf_tree(members, commit, notary, token, payer):
    alice = members[0]
    value = (0, alice.address, 250 * E18, bytes(web3.keccak(text="alice, one month")))
    built = node_build([value[1:]])
    expected_leaf = hx(leaf_hash(value, REWARD_LEAF_ENCODING))

    assert built["root"] == expected_leaf == hx(notary.leafHash(*value))
    assert built["proofs"] == [{"value": json_value(*value), "proof": []}]
    assert built["dump"]["tree"] == [expected_leaf]
    python_tree = reward_tree([value[1:]])
    assert python_tree.root_hex == expected_leaf and python_tree.proof(0) == []
    assert node_verify(python_tree.dump(), value, [])["ok"] is True
    multi = node_multiproof(built["dump"], [0])
    assert multi == {"leaves": [json_value(*value)], "proof": [], "proofFlags": []}

    commit(built["root"], 1, value[2])
    assert notary.verifyTakeout(token, EPOCH, *value, []) is True
    before = token.balanceOf(alice)
    notary.pushRewards(token, EPOCH, pack_leaves([value]), [], [], {"from": payer})
    assert token.balanceOf(alice) - before == 250 * E18


# ------------------------------------------------------------------------- multiproofs, both ways


MULTIPROOF_CASES = [
    (5, [0]),
    (5, [4]),
    (5, [0, 1, 2, 3, 4]),
    (5, [1, 3]),
    (13, [0, 5, 6, 12]),
    (100, list(range(0, 100, 7))),
    (300, [255, 256, 257]),  # across the 256-index bitmap word
    (300, list(range(50, 250))),  # a full batch of 200
    (300, [0, 128, 254, 255, 256, 299]),
]


@pytest.mark.parametrize("size,indexes", MULTIPROOF_CASES, ids=[f"{s}-{len(i)}" for s, i in MULTIPROOF_CASES])
def test_python_and_node_build_the_same_multiproofs(size, indexes):
    leaves = random_leaves(size, seed=2000 + size + len(indexes))
    python_tree = reward_tree(leaves)
    built = node_build(leaves)
    assert built["root"] == python_tree.root_hex

    multi = node_multiproof(built["dump"], indexes)
    mp = python_tree.multiproof(indexes)
    assert multi["leaves"] == [json_value(*v) for v in mp.values]
    assert [int(v[0]) for v in multi["leaves"]] == sorted(indexes)  # unsorted tree: verifier order = index order
    assert multi["proof"] == [hx(p) for p in mp.proof]
    assert multi["proofFlags"] == mp.proof_flags

    # Node's multiproof verifies in Python, Python's in Node (static and against the loaded tree)
    assert (
        python_multiproof_root([from_json(v) for v in multi["leaves"]], multi["proof"], multi["proofFlags"])
        == python_tree.root
    )
    answer = node_verify_multi(
        python_tree.root_hex, [json_value(*v) for v in mp.values], mp.proof, mp.proof_flags, dump=python_tree.dump()
    )
    assert answer == {"ok": True, "staticVerify": True, "treeVerify": True}


def test_node_multiproofs_of_300_leaves_pay_across_the_bitmap_word_on_chain(
    notary, token, commit, payer, community_admin, token_admin
):
    # 300 members (plain addresses, no welcome bonus), leaf i paying (i + 1) thousandths of a token
    milli = E18 // 1000
    addresses = [web3.to_checksum_address(web3.keccak(text=f"interop member {i}")[:20]) for i in range(300)]
    token.setWelcomeBonus(CITIZEN, 0, {"from": token_admin})
    for first in (0, 200):
        batch = addresses[first : first + 200]
        token.addMembers(batch, [CITIZEN] * len(batch), [CONSUMER] * len(batch), {"from": community_admin})
    leaves = [(a, (i + 1) * milli, bytes(web3.keccak(text=f"readings of member {i}"))) for i, a in enumerate(addresses)]
    built = node_build(leaves)
    commit(built["root"], 300, 45_150 * milli)  # 1 + 2 + … + 300 thousandths

    multi = node_multiproof(built["dump"], list(range(100, 300)))
    tx = notary.pushRewards(
        token,
        EPOCH,
        pack_leaves([from_json(v) for v in multi["leaves"]]),
        multi["proof"],
        multi["proofFlags"],
        {"from": payer},
    )
    ev = tx.events["RewardsPushed"]
    # 101 + … + 300 = 45 150 − 5 050 = 40 100 thousandths
    assert (ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"], ev["notMembers"]) == (200, 40_100 * milli, 0, 0)
    assert [notary.isPaid(token, EPOCH, i) for i in (99, 100, 255, 256, 257, 299)] == [False] + [True] * 5

    multi = node_multiproof(built["dump"], [98, 99, 255, 256])
    tx = notary.pushRewards(
        token,
        EPOCH,
        pack_leaves([from_json(v) for v in multi["leaves"]]),
        multi["proof"],
        multi["proofFlags"],
        {"from": payer},
    )
    ev = tx.events["RewardsPushed"]
    assert (ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"]) == (2, (99 + 100) * milli, 2)

    notary.claim(token, EPOCH, *from_json(built["proofs"][0]["value"]), built["proofs"][0]["proof"], {"from": payer})
    assert [token.balanceOf(addresses[i]) for i in (0, 98, 99, 256)] == [milli, 99 * milli, 100 * milli, 257 * milli]
    assert notary.paidCount(token, EPOCH) == 203


# ---------------------------------------------------------------- Python <-> Node tree agreement


@pytest.mark.parametrize("sort_leaves", [False, True], ids=["unsorted", "sorted"])
@pytest.mark.parametrize("size", SIZES)
def test_python_and_node_build_the_same_tree(size, sort_leaves):
    leaves = random_leaves(size, seed=1000 + size)
    values = values_of(leaves)
    python_tree = StandardMerkleTree.of(values, REWARD_LEAF_ENCODING, sort_leaves=sort_leaves)
    built = node_build(leaves, sort_leaves=sort_leaves)

    assert python_tree.root_hex == built["root"]
    python_dump = python_tree.dump()
    assert python_dump["tree"] == built["dump"]["tree"]
    assert [v["treeIndex"] for v in python_dump["values"]] == [v["treeIndex"] for v in built["dump"]["values"]]
    assert node("leafhash", {"leafEncoding": REWARD_LEAF_ENCODING, "values": [json_value(*v) for v in values]})[
        "hashes"
    ] == [hx(leaf_hash(v, REWARD_LEAF_ENCODING)) for v in values]

    # Python's dump loads in Node (load + validate) and every Python proof verifies there
    answer = node(
        "verify",
        {
            "dump": json.loads(json.dumps(python_dump)),
            "items": [{"value": json_value(*v), "proof": python_tree.proof_hex(i)} for i, v in enumerate(values)],
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
        assert entry["value"] == json_value(*values[i])
        assert python_tree.proof_hex(i) == entry["proof"]
        assert loaded.proof_hex(i) == entry["proof"]
        assert loaded.verify(i, loaded.proof(i))
        assert python_verifies(python_tree.root, values[i], entry["proof"])


def test_first_notary_take_outs_still_verify_in_python_and_node():
    """Take-out files of the first notary: leaves (member, amount, dataHash), sorted tree."""
    leaves = random_leaves(8, seed=81)
    python_tree = StandardMerkleTree.of(leaves, REWARD_LEAF_ENCODING_V1)
    built = node(
        "build", {"leafEncoding": REWARD_LEAF_ENCODING_V1, "values": [[m, str(a), hx(h)] for m, a, h in leaves]}
    )
    assert built["root"] == python_tree.root_hex
    for i, (member, amount, data_hash) in enumerate(leaves):
        proof = built["proofs"][i]["proof"]
        assert proof == python_tree.proof_hex(i)
        assert StandardMerkleTree.verify_value(python_tree.root, REWARD_LEAF_ENCODING_V1, leaves[i], proof)
        answer = node(
            "verify", {"dump": python_tree.dump(), "value": [member, str(amount), hx(data_hash)], "proof": proof}
        )
        assert answer["ok"] is True, answer


def test_python_dump_round_trips_through_json_and_back():
    leaves = random_leaves(13, seed=42)
    python_tree = reward_tree(leaves)
    dump = json.loads(json.dumps(python_tree.dump()))
    again = StandardMerkleTree.load(dump)
    assert again.dump() == python_tree.dump()
    assert [again.proof_hex(i) for i in range(13)] == [python_tree.proof_hex(i) for i in range(13)]


# ----------------------------------------------------------------------------------- leaf hash


def test_leaf_hash_matches_contract(notary, members):
    values = values_of(member_leaves(members) + random_leaves(8, seed=99))
    values.append((2**256 - 1, members[0].address, 2**256 - 1, b"\xff" * 32))
    values.append((0, members[1].address, 0, b"\x00" * 32))
    node_hashes = node("leafhash", {"leafEncoding": REWARD_LEAF_ENCODING, "values": [json_value(*v) for v in values]})[
        "hashes"
    ]
    for value, from_node in zip(values, node_hashes):
        on_chain = hx(notary.leafHash(*value))
        assert on_chain == hx(leaf_hash(value, REWARD_LEAF_ENCODING)) == from_node


# ---------------------------------------------------------------------------------- negative cases


def _forged(values, members, what: str):
    """Alice's leaf (index 0) with one field changed."""
    index, member, amount, data_hash = values[0]
    if what == "index":
        return 1, member, amount, data_hash
    if what == "amount":
        return index, member, amount + 1, data_hash
    if what == "dataHash":
        return index, member, amount, bytes([data_hash[0] ^ 1]) + data_hash[1:]
    if what == "member":
        return index, members[1].address, amount, data_hash
    raise AssertionError(what)


@pytest.mark.parametrize("what", ["index", "amount", "dataHash", "member"])
def test_forged_leaf_fails_everywhere(what, node_epoch, notary, token, members, payer):
    leaves, built = node_epoch
    values = values_of(leaves)
    proof = built["proofs"][0]["proof"]
    forged = _forged(values, members, what)
    root = bytes.fromhex(built["root"][2:])

    # the genuine leaf passes everywhere (so failures below are due to the forgery only)
    assert node_verify(built["dump"], values[0], proof)["ok"] is True
    assert python_verifies(root, values[0], proof)
    assert notary.verifyTakeout(token, EPOCH, *values[0], proof) is True

    answer = node_verify(built["dump"], forged, proof)
    assert answer == {"root": built["root"], "ok": False, "treeVerify": False, "staticVerify": False}
    assert not python_verifies(root, forged, proof)
    assert notary.verifyTakeout(token, EPOCH, *forged, proof) is False
    with reverts_with("InvalidProof", *forged[:3], "0x" + forged[3].hex()):
        notary.claim(token, EPOCH, *forged, proof, {"from": members[0]})

    # the forged leaf first in Node's multiproof of leaves 0, 2, 4 (an index stays increasing: 0 -> 1)
    multi = node_multiproof(built["dump"], [0, 2, 4])
    batch = [from_json(v) for v in multi["leaves"]]
    batch[0] = forged
    assert node_verify_multi(
        built["root"], [json_value(*v) for v in batch], multi["proof"], multi["proofFlags"], dump=built["dump"]
    ) == {"ok": False, "staticVerify": False, "treeVerify": False}
    assert python_multiproof_root(batch, multi["proof"], multi["proofFlags"]) != root
    with reverts_with("InvalidMultiproof"):
        notary.pushRewards(token, EPOCH, pack_leaves(batch), multi["proof"], multi["proofFlags"], {"from": payer})
    assert notary.paidCount(token, EPOCH) == 0


def test_proof_of_another_leaf_fails(node_epoch, notary, token, members):
    leaves, built = node_epoch
    alice_value, bob_proof = values_of(leaves)[0], built["proofs"][1]["proof"]
    root = bytes.fromhex(built["root"][2:])
    assert node_verify(built["dump"], alice_value, bob_proof)["ok"] is False
    assert not python_verifies(root, alice_value, bob_proof)
    assert not StandardMerkleTree.load(built["dump"]).verify(0, [bytes.fromhex(p[2:]) for p in bob_proof])
    assert notary.verifyTakeout(token, EPOCH, *alice_value, bob_proof) is False
    index, member, amount, data_hash = alice_value
    with reverts_with("InvalidProof", index, member, amount, "0x" + data_hash.hex()):
        notary.claim(token, EPOCH, *alice_value, bob_proof, {"from": members[0]})


def test_malformed_multiproof_fails_in_python_and_node():
    leaves = random_leaves(13, seed=13)
    python_tree = reward_tree(leaves)
    mp = python_tree.multiproof([0, 5, 6, 12])
    hashes = [leaf_hash(v, REWARD_LEAF_ENCODING) for v in mp.values]
    extra_flag = mp.proof_flags + [True]
    with pytest.raises(ValueError, match="not compatible"):
        process_multiproof(hashes, mp.proof, extra_flag)
    answer = node_verify_multi(python_tree.root_hex, [json_value(*v) for v in mp.values], mp.proof, extra_flag)
    assert answer["ok"] is False and "error" in answer, answer
    # the right hashes in another order lead elsewhere
    swapped = mp.proof[::-1]
    assert len(mp.proof) > 1 and swapped != mp.proof
    assert process_multiproof(hashes, swapped, mp.proof_flags) != python_tree.root
    assert node_verify_multi(python_tree.root_hex, [json_value(*v) for v in mp.values], swapped, mp.proof_flags) == {
        "ok": False,
        "staticVerify": False,
    }


TAMPER_CASES = [
    (size, where)
    for size in (2, 5, 13)
    for where in ("root", "internal", "leaf", "last")
    if not (size == 2 and where == "internal")
]  # a two-leaf tree has no internal node but the root


@pytest.mark.parametrize("size,where", TAMPER_CASES)
@pytest.mark.parametrize("maker", ["python", "node"])
def test_tampered_dump_is_rejected(maker, size, where):
    """One tree node changed (one bit): the root, an internal node, the first or the last leaf."""
    leaves = random_leaves(size, seed=7 * size)
    values = values_of(leaves)
    dump = reward_tree(leaves).dump() if maker == "python" else node_build(leaves)["dump"]
    dump = json.loads(json.dumps(dump))
    tree = dump["tree"]
    index = {"root": 0, "internal": 1, "leaf": size - 1, "last": len(tree) - 1}[where]
    original = tree[index]
    tampered = copy.deepcopy(dump)
    tampered["tree"][index] = "0x" + (int(original, 16) ^ 1).to_bytes(32, "big").hex()

    # the untampered dump loads on both sides
    assert StandardMerkleTree.load(dump).root_hex == tree[0]
    assert node_verify(dump, values[0], reward_tree(leaves).proof_hex(0))["ok"] is True

    with pytest.raises(ValueError):
        StandardMerkleTree.load(tampered)
    answer = node_verify(tampered, values[0], reward_tree(leaves).proof_hex(0))
    assert answer["ok"] is False and "error" in answer, answer
    multi = node_multiproof(tampered, [0])
    assert "error" in multi, multi


def test_node_rejects_forged_root_behind_duplicated_values():
    """A dump whose `values` list repeats entries is still validated node by node in OpenZeppelin's JS."""
    leaves = random_leaves(5, seed=5)
    dump = reward_tree(leaves).dump()
    forged = copy.deepcopy(dump)
    forged["values"] = forged["values"] * 3
    forged["tree"][0] = "0x" + "11" * 32
    answer = node_verify(forged, values_of(leaves)[0], reward_tree(leaves).proof_hex(0))
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


def test_python_loads_node_dump_with_hex_numbers():
    leaves = random_leaves(3, seed=3)
    values = [[hex(i), m, hex(a), hx(d)] for i, (m, a, d) in enumerate(leaves)]
    built = node("build", {"leafEncoding": REWARD_LEAF_ENCODING, "values": values, "sortLeaves": False})
    assert built["root"] == reward_tree(leaves).root_hex  # same tree for JS: hex or decimal is one number
    assert StandardMerkleTree.load(built["dump"]).root_hex == built["root"]

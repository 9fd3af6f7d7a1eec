"""OpenZeppelin StandardMerkleTree, in Python.

Same algorithm and dump format ("standard-v1") as the npm package `@openzeppelin/merkle-tree`,
so roots, proofs and dumps made here verify with OpenZeppelin's `MerkleProof` on-chain and with
`StandardMerkleTree.load(...)` in Node (checked by tests/contracts/test_merkle_interop.py):

- leaf  = keccak256(keccak256(abi.encode(value...)))  (double hash, no second-preimage confusion)
- pairs are hashed sorted: keccak256(min(a, b) ++ max(a, b))
- leaves are laid out at the end of a complete binary tree stored as an array (node i has children
  2i+1 and 2i+2; the root is node 0), sorted by hash by default or in input order with
  `sort_leaves=False` (value i at tree node size-1-i), which the reward trees use so that
  consecutive indexes share one multiproof;
- multiproofs (`multiproof`, `process_multiproof`) follow `getMultiProof`/`processMultiProof` of the
  npm package and `MerkleProof.multiProofVerifyCalldata` of OpenZeppelin Contracts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi import encode
from eth_utils import keccak, to_checksum_address

Hash = bytes


def _normalize(value: Any, abi_type: str) -> Any:
    if abi_type == "address":
        return to_checksum_address(value)
    if abi_type.startswith("bytes") and isinstance(value, str):
        return bytes.fromhex(value[2:] if value.startswith("0x") else value)
    if abi_type.startswith(("uint", "int")):
        if isinstance(value, str) and value.lower().startswith(("0x", "-0x")):
            return int(value, 16)  # @openzeppelin/merkle-tree keeps hex strings as given
        return int(value)
    return value


def _to_json(value: Any, abi_type: str) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if abi_type.startswith(("uint", "int")):
        return str(value)
    return value


def leaf_hash(values: Sequence[Any], leaf_encoding: Sequence[str]) -> Hash:
    """keccak256(bytes.concat(keccak256(abi.encode(values))))."""
    normalized = [_normalize(v, t) for v, t in zip(values, leaf_encoding, strict=True)]
    return keccak(keccak(encode(list(leaf_encoding), normalized)))


def hash_pair(a: Hash, b: Hash) -> Hash:
    return keccak(a + b) if a < b else keccak(b + a)


def process_proof(leaf: Hash, proof: Sequence[Hash]) -> Hash:
    """The root that `proof` leads to from `leaf` (OpenZeppelin MerkleProof.processProof)."""
    node = leaf
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node


def _hex(h: Hash) -> str:
    return "0x" + h.hex()


def _unhex(s: str) -> Hash:
    return bytes.fromhex(s[2:] if s.startswith("0x") else s)


@dataclass(frozen=True)
class _Entry:
    value: tuple
    tree_index: int


class StandardMerkleTree:
    """A complete Merkle tree over ABI-encoded values, compatible with @openzeppelin/merkle-tree."""

    def __init__(self, tree: list[Hash], entries: list[_Entry], leaf_encoding: list[str]):
        self._tree = tree
        self._entries = entries
        self.leaf_encoding = leaf_encoding

    @classmethod
    def of(
        cls, values: Sequence[Sequence[Any]], leaf_encoding: Sequence[str], sort_leaves: bool = True
    ) -> StandardMerkleTree:
        """Like `StandardMerkleTree.of(values, leafEncoding, {sortLeaves})` of @openzeppelin/merkle-tree."""
        if not values:
            raise ValueError("a Merkle tree needs at least one leaf")
        encoding = list(leaf_encoding)
        normalized = [tuple(_normalize(v, t) for v, t in zip(value, encoding, strict=True)) for value in values]
        hashed = [(leaf_hash(value, encoding), index) for index, value in enumerate(normalized)]
        if sort_leaves:
            hashed.sort(key=lambda item: item[0])
        size = 2 * len(hashed) - 1
        tree: list[Hash] = [b""] * size
        tree_index_of: dict[int, int] = {}
        for position, (h, value_index) in enumerate(hashed):
            tree_index = size - 1 - position
            tree[tree_index] = h
            tree_index_of[value_index] = tree_index
        for i in range(size - 1 - len(hashed), -1, -1):
            tree[i] = hash_pair(tree[2 * i + 1], tree[2 * i + 2])
        entries = [_Entry(normalized[i], tree_index_of[i]) for i in range(len(normalized))]
        return cls(tree, entries, encoding)

    @property
    def root(self) -> Hash:
        return self._tree[0]

    @property
    def root_hex(self) -> str:
        return _hex(self.root)

    def __len__(self) -> int:
        return len(self._entries)

    def values(self) -> list[tuple]:
        return [e.value for e in self._entries]

    def leaf(self, index: int) -> Hash:
        return self._tree[self._entries[index].tree_index]

    def proof(self, index: int) -> list[Hash]:
        """Proof of the value at `index` (position in the input order)."""
        node = self._entries[index].tree_index
        proof = []
        while node > 0:
            sibling = node + 1 if node % 2 == 1 else node - 1
            proof.append(self._tree[sibling])
            node = (node - 1) // 2
        return proof

    def proof_hex(self, index: int) -> list[str]:
        return [_hex(h) for h in self.proof(index)]

    def multiproof(self, indexes: Sequence[int]) -> MultiProof:
        """A multiproof of the values at `indexes` (input positions), as OpenZeppelin's `getMultiProof`:
        `values` come back in the order the verifier consumes them (tree position descending)."""
        if not indexes:
            raise ValueError("a multiproof needs at least one leaf")
        nodes = sorted((self._entries[i].tree_index for i in indexes), reverse=True)
        if len(set(nodes)) != len(nodes):
            raise ValueError("cannot prove a value twice")
        by_node = {e.tree_index: i for i, e in enumerate(self._entries)}
        queue = list(nodes)
        proof, flags = [], []
        head = 0
        while head < len(queue) and queue[head] > 0:
            j = queue[head]
            head += 1
            sibling = j + 1 if j % 2 == 1 else j - 1
            if head < len(queue) and queue[head] == sibling:
                flags.append(True)
                head += 1
            else:
                flags.append(False)
                proof.append(self._tree[sibling])
            queue.append((j - 1) // 2)
        return MultiProof(
            indexes=[by_node[n] for n in nodes],
            values=[self._entries[by_node[n]].value for n in nodes],
            leaves=[self._tree[n] for n in nodes],
            proof=proof,
            proof_flags=flags,
        )

    def index_of(self, predicate) -> int:
        for i, entry in enumerate(self._entries):
            if predicate(entry.value):
                return i
        raise KeyError("no leaf matches")

    def verify(self, index: int, proof: Sequence[Hash]) -> bool:
        return process_proof(self.leaf(index), proof) == self.root

    def dump(self) -> dict:
        """The "standard-v1" JSON dump that `StandardMerkleTree.load` reads."""
        return {
            "format": "standard-v1",
            "leafEncoding": self.leaf_encoding,
            "tree": [_hex(h) for h in self._tree],
            "values": [
                {"value": [_to_json(v, t) for v, t in zip(e.value, self.leaf_encoding)], "treeIndex": e.tree_index}
                for e in self._entries
            ],
        }

    @classmethod
    def load(cls, data: dict) -> StandardMerkleTree:
        """Reads a "standard-v1" dump and validates it whole, as OpenZeppelin's `load` + `validate` do:
        every internal node is the hash of its children and every value sits on a leaf that is its hash."""
        if not isinstance(data, dict) or data.get("format") != "standard-v1":
            raise ValueError(f"unknown Merkle tree format: {data.get('format') if isinstance(data, dict) else data!r}")
        try:
            encoding = list(data["leafEncoding"])
            raw_tree, raw_values = data["tree"], data["values"]
        except KeyError as missing:
            raise ValueError(f"Merkle tree dump lacks {missing}") from None
        tree = [_unhex(h) for h in raw_tree]
        size = len(tree)
        if size == 0:
            raise ValueError("Merkle tree dump has no nodes")
        for i, node in enumerate(tree):
            if len(node) != 32:
                raise ValueError(f"tree node {i} is not 32 bytes")
            left, right = 2 * i + 1, 2 * i + 2
            if right < size:
                if node != hash_pair(tree[left], tree[right]):
                    raise ValueError(f"tree node {i} is not the hash of its children")
            elif left < size:
                raise ValueError(f"tree node {i} has one child: not a complete tree")
        entries = []
        for position, item in enumerate(raw_values):
            value = tuple(_normalize(v, t) for v, t in zip(item["value"], encoding, strict=True))
            index = int(item["treeIndex"])
            if not 0 <= index < size or 2 * index + 1 < size:
                raise ValueError(f"value {position} points at tree node {index}, which is not a leaf")
            if tree[index] != leaf_hash(value, encoding):
                raise ValueError(f"tree node {index} does not match value {position}")
            entries.append(_Entry(value, index))
        return cls(tree, entries, encoding)

    @staticmethod
    def verify_value(root: Hash, leaf_encoding: Sequence[str], value: Sequence[Any], proof: Sequence[Hash]) -> bool:
        """True when `value` is a leaf under `root` with `proof` (OpenZeppelin's static `verify`)."""
        return (
            process_proof(leaf_hash(value, leaf_encoding), [_unhex(p) if isinstance(p, str) else p for p in proof])
            == root
        )


@dataclass(frozen=True)
class MultiProof:
    """`indexes`/`values`/`leaves` in the order the verifier consumes them, with `proof` and `proof_flags`."""

    indexes: list[int]
    values: list[tuple]
    leaves: list[Hash]
    proof: list[Hash]
    proof_flags: list[bool]


def process_multiproof(leaves: Sequence[Hash], proof: Sequence[Hash], proof_flags: Sequence[bool]) -> Hash:
    """The root a multiproof leads to (OpenZeppelin's processMultiProof, with its validity checks)."""
    if len(leaves) + len(proof) != len(proof_flags) + 1:
        raise ValueError("leaves and multiproof are not compatible")
    if len(proof) < sum(1 for f in proof_flags if not f):
        raise ValueError("invalid multiproof format")
    queue = list(leaves)
    head, proof_pos = 0, 0
    for flag in proof_flags:
        a = queue[head]
        head += 1
        if flag:
            b = queue[head]
            head += 1
        else:
            b = proof[proof_pos]
            proof_pos += 1
        queue.append(hash_pair(a, b))
    if proof_flags:
        return queue[-1]
    return leaves[0] if leaves else proof[0]


REWARD_LEAF_ENCODING = ["uint256", "address", "uint256", "bytes32"]
"""Leaf encoding of ConsumptionNotary (v2): (index, member, reward amount in base units, member data hash)."""
REWARD_LEAF_ENCODING_V1 = ["address", "uint256", "bytes32"]
"""Leaf encoding of the first notary (member, amount, data hash); take-out files made with it still verify."""


def reward_tree(leaves: Sequence[tuple[str, int, bytes]]) -> StandardMerkleTree:
    """The notary's tree over (member, amount, dataHash) leaves, in the given order: leaf i carries index i
    and sits at position i (unsorted), so consecutive indexes share one multiproof."""
    return StandardMerkleTree.of([(i, *leaf) for i, leaf in enumerate(leaves)], REWARD_LEAF_ENCODING, sort_leaves=False)


def pack_leaves(values: Sequence[tuple]) -> bytes:
    """The notary's `pushRewards` calldata for (index, member, amount, dataHash) values:
    uint24 index ‖ address ‖ uint96 amount ‖ bytes32 per leaf (67 bytes)."""
    out = bytearray()
    for index, member, amount, data_hash in values:
        if not 0 <= int(index) < 2**24 or not 0 <= int(amount) < 2**96:
            raise ValueError(f"leaf {index}: index or amount out of the packed range")
        out += int(index).to_bytes(3, "big") + bytes.fromhex(str(member)[2:]) + int(amount).to_bytes(12, "big")
        out += bytes(data_hash) if not isinstance(data_hash, str) else bytes.fromhex(data_hash[2:])
    return bytes(out)


def sibling_path(tree_index: int) -> list[int]:
    """The tree nodes a proof of the leaf at node `tree_index` is made of, from the leaf's sibling up to the
    root's child (the order `proof` gives them)."""
    path, node = [], tree_index
    while node > 0:
        path.append(node + 1 if node % 2 == 1 else node - 1)
        node = (node - 1) // 2
    return path


@dataclass(frozen=True)
class DumpedLeaf:
    """One value of a "standard-v1" dump with its leaf hash and its proof (both checked)."""

    value: tuple
    leaf: Hash
    proof: list[Hash]


def dumped_leaf(data: dict, index: int, root: Hash) -> DumpedLeaf:
    """The value at `index` of a "standard-v1" dump with its proof, read along the leaf's path only, then checked:
    the value hashes to its tree node and that leaf with the proof leads to `root`. (`StandardMerkleTree.load`
    validates every node: seconds for a tree of 10,000 leaves, where one leaf needs ~15 nodes.) ValueError when
    the dump does not prove the value under `root`."""
    if not isinstance(data, dict) or data.get("format") != "standard-v1":
        raise ValueError(f"unknown Merkle tree format: {data.get('format') if isinstance(data, dict) else data!r}")
    encoding, tree, values = data["leafEncoding"], data["tree"], data["values"]
    if not 0 <= index < len(values):
        raise ValueError(f"the tree has no value {index} (it has {len(values)})")
    value = tuple(_normalize(v, t) for v, t in zip(values[index]["value"], encoding, strict=True))
    node = int(values[index]["treeIndex"])
    if not 0 <= node < len(tree) or 2 * node + 1 < len(tree):
        raise ValueError(f"value {index} points at tree node {node}, which is not a leaf")
    leaf = leaf_hash(value, encoding)
    if _unhex(tree[node]) != leaf:
        raise ValueError(f"tree node {node} does not match value {index}")
    proof = [_unhex(tree[sibling]) for sibling in sibling_path(node)]
    if process_proof(leaf, proof) != root:
        raise ValueError(f"value {index} with its proof does not lead to the root {_hex(root)}")
    return DumpedLeaf(value, leaf, proof)

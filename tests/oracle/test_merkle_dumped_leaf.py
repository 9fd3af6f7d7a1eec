"""dumped_leaf: one value's proof read from a "standard-v1" dump along its path, checked against the root."""

import pytest

from oracle.merkle import StandardMerkleTree, dumped_leaf, process_proof, reward_tree, sibling_path

WALLETS = [f"0x{i:040x}" for i in range(1, 8)]  # 7 leaves: a tree of 13 nodes, not a perfect one


@pytest.fixture()
def tree():
    return reward_tree([(w, 10 * (i + 1), bytes([i]) * 32) for i, w in enumerate(WALLETS)])


def test_sibling_path_climbs_to_the_root():
    # node 11's parent is 5 (sibling 12), 5's parent is 2 (sibling 6), 2's sibling is 1
    assert sibling_path(11) == [12, 6, 1]
    assert sibling_path(0) == []


def test_every_value_has_the_proof_the_whole_tree_gives(tree):
    dump = tree.dump()
    for index in range(len(WALLETS)):
        leaf = dumped_leaf(dump, index, tree.root)
        assert leaf.value == tree.values()[index]
        assert leaf.leaf == tree.leaf(index)
        assert leaf.proof == tree.proof(index)
        assert process_proof(leaf.leaf, leaf.proof) == tree.root
        assert StandardMerkleTree.verify_value(tree.root, tree.leaf_encoding, leaf.value, leaf.proof)


def test_another_root_is_refused(tree):
    with pytest.raises(ValueError, match="does not lead to the root"):
        dumped_leaf(tree.dump(), 0, b"\x01" * 32)


def test_a_node_on_the_path_changed_is_refused(tree):
    dump = tree.dump()
    node = dump["values"][3]["treeIndex"]
    dump["tree"][sibling_path(node)[0]] = "0x" + "ab" * 32
    with pytest.raises(ValueError, match="does not lead to the root"):
        dumped_leaf(dump, 3, tree.root)


def test_a_value_changed_is_refused(tree):
    dump = tree.dump()
    dump["values"][2]["value"][2] = "999"
    with pytest.raises(ValueError, match="does not match value 2"):
        dumped_leaf(dump, 2, tree.root)


def test_a_value_pointing_at_an_inner_node_or_missing_is_refused(tree):
    dump = tree.dump()
    dump["values"][1]["treeIndex"] = 0
    with pytest.raises(ValueError, match="not a leaf"):
        dumped_leaf(dump, 1, tree.root)
    with pytest.raises(ValueError, match="has no value 7"):
        dumped_leaf(tree.dump(), 7, tree.root)

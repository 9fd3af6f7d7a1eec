"""ConsumptionNotary: one commitment per community and epoch, take-out proofs, rewards paid once."""
import brownie
import pytest
from brownie import chain
from eth_utils import keccak

from oracle.merkle import reward_tree

from .conftest import CITIZEN, CONSUMER, E18, WELCOME_CITIZEN, WELCOME_STAKEHOLDER, b32, reverts_with

SC = b32("self_consumption")
DAY = 86_400
START = 1_790_812_800  # 2026-10-01T00:00:00Z
END = START + 31 * DAY
DATASET = keccak(b"dataset of epoch 1")


def data_hash(name: str) -> bytes:
    return keccak(f"salted canonical readings of {name}".encode())


class Epoch:
    """A reward tree and its commitment, as the oracle would build it."""

    def __init__(self, leaves, total=None, leaf_count=None, start=START, end=END, version=1):
        self.leaves = [(str(m.address if hasattr(m, "address") else m), amount, h) for m, amount, h in leaves]
        self.tree = reward_tree(self.leaves)
        self.total = sum(a for _, a, _ in self.leaves) if total is None else total
        self.commitment = (start, end, self.tree.root, SC, version, DATASET, leaf_count or len(self.leaves),
                           self.total)

    def index(self, member) -> int:
        return [m.lower() for m, _, _ in self.leaves].index(str(member).lower())

    def leaf(self, member):
        return self.leaves[self.index(member)]

    def proof(self, member):
        return self.tree.proof(self.index(member))

    def payment(self, member):
        m, amount, h = self.leaf(member)
        return (m, amount, h, self.proof(member))


@pytest.fixture(scope="module")
def model(registry, oracle_admin, token):
    registry.publishVersion(SC, [b32("alpha_consumer"), b32("alpha_producer")], [1_000_000, 500_000], 1,
                            {"from": oracle_admin})
    registry.setActiveModel(token, SC, {"from": oracle_admin})
    return SC


@pytest.fixture(scope="module")
def epoch1(alice, bob, carol, shop, hall):
    return Epoch([
        (alice, 10 * E18, data_hash("alice")),
        (bob, 20 * E18, data_hash("bob")),
        (carol, 0, data_hash("carol")),
        (shop, 55 * E18 // 10, data_hash("shop")),
        (hall, 45 * E18 // 10, data_hash("hall")),
    ])


@pytest.fixture
def committed(notary, token, model, oracle, epoch1):
    notary.commitEpoch(token, 1, epoch1.commitment, {"from": oracle})
    return epoch1


# ----------------------------------------------------------------- commit


def test_commit_records_everything_and_reserves_the_total(notary, token, model, oracle, epoch1):
    available = token.treasuryAvailable()
    tx = notary.commitEpoch(token, 1, epoch1.commitment, {"from": oracle})
    assert notary.epochCount(token) == 1
    (commitment, committed_at, paid_count, released, paid_total) = notary.getEpoch(token, 1)
    assert list(commitment) == [START, END, epoch1.tree.root_hex, "0x" + SC.hex(), 1, "0x" + DATASET.hex(), 5,
                                40 * E18]
    assert committed_at == tx.timestamp and paid_count == 0 and not released and paid_total == 0
    ev = tx.events["EpochCommitted"]
    assert ev["community"] == token and ev["epoch"] == 1 and ev["merkleRoot"] == epoch1.tree.root_hex
    assert ev["totalReward"] == 40 * E18 and ev["leafCount"] == 5 and ev["modelVersion"] == 1
    # 10 + 20 + 0 + 5.5 + 4.5 = 40 tokens set aside in the treasury, still held there
    assert token.rewardReserve() == 40 * E18
    assert token.treasuryAvailable() == available - 40 * E18


def test_second_commit_of_the_same_epoch_reverts(notary, token, oracle, committed):
    other = Epoch([(committed.leaves[0][0], E18, data_hash("x"))], start=END, end=END + DAY)
    with reverts_with("EpochAlreadyCommitted", token, 1):
        notary.commitEpoch(token, 1, other.commitment, {"from": oracle})
    with reverts_with("EpochAlreadyCommitted", token, 1):
        notary.commitEpoch(token, 1, committed.commitment, {"from": oracle})
    assert notary.getEpoch(token, 1)[0][2] == committed.tree.root_hex


def test_epochs_are_numbered_in_order(notary, token, model, oracle, epoch1):
    with reverts_with("EpochOutOfOrder", token, 0, 1):
        notary.commitEpoch(token, 0, epoch1.commitment, {"from": oracle})
    with reverts_with("EpochOutOfOrder", token, 2, 1):
        notary.commitEpoch(token, 2, epoch1.commitment, {"from": oracle})


def test_periods_are_valid_and_do_not_overlap(notary, token, oracle, committed, alice):
    leaves = [(alice, E18, data_hash("alice-2"))]
    with reverts_with("InvalidPeriod", END + DAY, END + DAY):
        notary.commitEpoch(token, 2, Epoch(leaves, start=END + DAY, end=END + DAY).commitment, {"from": oracle})
    with reverts_with("PeriodOverlapsPrevious", END - 1, END):
        notary.commitEpoch(token, 2, Epoch(leaves, start=END - 1, end=END + DAY).commitment, {"from": oracle})
    notary.commitEpoch(token, 2, Epoch(leaves, start=END, end=END + 30 * DAY).commitment, {"from": oracle})
    assert notary.epochCount(token) == 2


def test_commit_reverts_on_bad_input(notary, token, model, oracle, epoch1, alice, factory):
    c = list(epoch1.commitment)
    for field in (2, 5):  # merkle root, dataset hash
        bad = list(c)
        bad[field] = b"\0" * 32
        with reverts_with("EmptyCommitment"):
            notary.commitEpoch(token, 1, bad, {"from": oracle})
    bad = list(c)
    bad[6] = 0
    with reverts_with("EmptyCommitment"):
        notary.commitEpoch(token, 1, bad, {"from": oracle})
    with brownie.reverts():  # wrong role
        notary.commitEpoch(token, 1, c, {"from": alice})
    with reverts_with("UnknownCommunity", alice):
        notary.commitEpoch(alice, 1, c, {"from": oracle})
    assert notary.epochCount(token) == 0


def test_commit_must_use_the_active_model_and_its_version(notary, registry, token, model, oracle, oracle_admin,
                                                          epoch1):
    c = list(epoch1.commitment)
    wrong_model = list(c)
    wrong_model[3] = b32("peak_shaving")
    with reverts_with("ModelNotActive", "0x" + b32("peak_shaving").hex(), "0x" + SC.hex()):
        notary.commitEpoch(token, 1, wrong_model, {"from": oracle})
    wrong_version = list(c)
    wrong_version[4] = 2
    with reverts_with("VersionNotApplicable", 2, 1):
        notary.commitEpoch(token, 1, wrong_version, {"from": oracle})
    # a version published for epoch 2 onwards applies to epoch 2, not epoch 1
    registry.publishVersion(SC, [b32("alpha_consumer")], [3_000_000], 2, {"from": oracle_admin})
    notary.commitEpoch(token, 1, c, {"from": oracle})
    leaves = [(epoch1.leaves[0][0], E18, data_hash("e2"))]
    with reverts_with("VersionNotApplicable", 1, 2):
        notary.commitEpoch(token, 2, Epoch(leaves, start=END, end=END + DAY, version=1).commitment, {"from": oracle})
    notary.commitEpoch(token, 2, Epoch(leaves, start=END, end=END + DAY, version=2).commitment, {"from": oracle})


def test_commit_without_active_model_reverts(notary, bare_token, oracle, epoch1):
    with reverts_with("NoActiveModel", bare_token):
        notary.commitEpoch(bare_token, 1, epoch1.commitment, {"from": oracle})


def test_commit_beyond_treasury_reverts_whole(notary, token, model, oracle, epoch1, alice):
    huge = Epoch([(alice, 10**30, data_hash("alice"))])
    available = token.treasuryAvailable()
    with reverts_with("TreasuryInsufficient", available, 10**30):
        notary.commitEpoch(token, 1, huge.commitment, {"from": oracle})
    assert notary.epochCount(token) == 0 and token.rewardReserve() == 0


def test_reserved_rewards_are_not_spendable(notary, token, token_admin, community_admin, model, oracle, alice):
    # leave exactly 100 tokens free: a commit of all of them blocks a welcome bonus of 100
    free = token.treasuryAvailable()
    notary.commitEpoch(token, 1, Epoch([(alice, free - 50 * E18, data_hash("alice"))]).commitment, {"from": oracle})
    newcomer = brownie.accounts.add()
    with reverts_with("TreasuryInsufficient", 50 * E18, WELCOME_CITIZEN):
        token.addMember(newcomer, CITIZEN, CONSUMER, {"from": community_admin})


# ------------------------------------------------------------------ takeout


def test_takeout_proof_verifies_each_member(notary, token, committed):
    for member, amount, h in committed.leaves:
        assert notary.verifyTakeout(token, 1, member, amount, h, committed.proof(member))
        assert notary.leafHash(member, amount, h) == "0x" + committed.tree.leaf(committed.index(member)).hex()


def test_takeout_rejects_altered_data(notary, token, committed, alice, bob):
    _, amount, h = committed.leaf(alice)
    proof = committed.proof(alice)
    assert not notary.verifyTakeout(token, 1, alice, amount + 1, h, proof)
    assert not notary.verifyTakeout(token, 1, alice, amount, keccak(b"other data"), proof)
    assert not notary.verifyTakeout(token, 1, bob, amount, h, proof)
    assert not notary.verifyTakeout(token, 1, alice, amount, h, proof[1:])
    with reverts_with("UnknownEpoch", token, 2):
        notary.verifyTakeout(token, 2, alice, amount, h, proof)


# ------------------------------------------------------------------- claims


def test_member_claims_once(notary, token, committed, alice):
    _, amount, h = committed.leaf(alice)
    tx = notary.claim(token, 1, alice, amount, h, committed.proof(alice), {"from": alice})
    assert token.balanceOf(alice) == WELCOME_CITIZEN + 10 * E18
    token_event = [e for e in tx.events["RewardPaid"] if "pushed" not in e][0]
    notary_event = [e for e in tx.events["RewardPaid"] if "pushed" in e][0]
    assert token_event["member"] == alice and token_event["amount"] == 10 * E18
    assert notary_event["amount"] == 10 * E18 and notary_event["pushed"] is False
    assert notary.isPaid(token, 1, alice)
    assert token.rewardReserve() == 30 * E18
    epoch = notary.getEpoch(token, 1)
    assert epoch[2] == 1 and epoch[4] == 10 * E18
    with reverts_with("AlreadyPaid", token, 1, alice):
        notary.claim(token, 1, alice, amount, h, committed.proof(alice), {"from": alice})
    assert token.balanceOf(alice) == WELCOME_CITIZEN + 10 * E18


def test_anyone_may_send_a_claim_but_tokens_go_to_the_member(notary, token, committed, bob, outsider):
    _, amount, h = committed.leaf(bob)
    notary.claim(token, 1, bob, amount, h, committed.proof(bob), {"from": outsider})
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 20 * E18
    assert token.balanceOf(outsider) == 0


def test_claim_with_bad_proof_reverts(notary, token, committed, alice):
    _, amount, h = committed.leaf(alice)
    with reverts_with("InvalidProof", alice, amount + 1, "0x" + h.hex()):
        notary.claim(token, 1, alice, amount + 1, h, committed.proof(alice), {"from": alice})
    with reverts_with("UnknownEpoch", token, 9):
        notary.claim(token, 9, alice, amount, h, committed.proof(alice), {"from": alice})
    assert not notary.isPaid(token, 1, alice)


def test_zero_reward_leaf_is_marked_paid_without_transfer(notary, token, committed, carol):
    _, amount, h = committed.leaf(carol)
    tx = notary.claim(token, 1, carol, 0, h, committed.proof(carol), {"from": carol})
    assert "Transfer" not in tx.events
    assert notary.isPaid(token, 1, carol)
    assert token.balanceOf(carol) == WELCOME_CITIZEN


def test_paid_never_exceeds_committed_total(notary, token, model, oracle, alice, bob):
    # an inconsistent commitment: leaves sum to 60, total says 40
    bad = Epoch([(alice, 30 * E18, data_hash("a")), (bob, 30 * E18, data_hash("b"))], total=40 * E18)
    notary.commitEpoch(token, 1, bad.commitment, {"from": oracle})
    notary.claim(token, 1, *bad.payment(alice), {"from": alice})
    with reverts_with("ExceedsCommittedTotal", 30 * E18, 30 * E18, 40 * E18):
        notary.claim(token, 1, *bad.payment(bob), {"from": bob})
    assert token.balanceOf(bob) == WELCOME_CITIZEN


def test_paid_leaves_never_exceed_leaf_count(notary, token, model, oracle, alice, bob):
    bad = Epoch([(alice, E18, data_hash("a")), (bob, E18, data_hash("b"))], leaf_count=1)
    notary.commitEpoch(token, 1, bad.commitment, {"from": oracle})
    notary.claim(token, 1, *bad.payment(alice), {"from": alice})
    with reverts_with("ExceedsLeafCount", 1):
        notary.claim(token, 1, *bad.payment(bob), {"from": bob})


def test_claim_while_paused_reverts(notary, token, committed, platform_admin, alice):
    token.pause({"from": platform_admin})
    with reverts_with("EnforcedPause"):
        notary.claim(token, 1, *committed.payment(alice), {"from": alice})
    token.unpause({"from": platform_admin})
    notary.claim(token, 1, *committed.payment(alice), {"from": alice})
    assert token.balanceOf(alice) == WELCOME_CITIZEN + 10 * E18


def test_removed_member_cannot_be_paid_until_rejoining(notary, token, committed, community_admin, alice):
    token.removeMember(alice, {"from": community_admin})
    with reverts_with("ReceiverNotMember", alice):
        notary.claim(token, 1, *committed.payment(alice), {"from": alice})
    assert not notary.isPaid(token, 1, alice)
    token.addMember(alice, CITIZEN, CONSUMER, {"from": community_admin})
    notary.claim(token, 1, *committed.payment(alice), {"from": alice})
    assert token.balanceOf(alice) == WELCOME_CITIZEN + 10 * E18


# ------------------------------------------------------------------- pushes


def test_oracle_pushes_a_batch(notary, token, committed, oracle, alice, bob, carol, shop, hall):
    tx = notary.pushRewards(token, 1, [committed.payment(m) for m in (alice, bob, carol, shop, hall)],
                            {"from": oracle})
    assert [token.balanceOf(m) for m in (alice, bob, carol, shop, hall)] == [
        WELCOME_CITIZEN + 10 * E18, WELCOME_CITIZEN + 20 * E18, WELCOME_CITIZEN,
        WELCOME_STAKEHOLDER + 55 * E18 // 10, WELCOME_STAKEHOLDER + 45 * E18 // 10,
    ]
    assert token.rewardReserve() == 0
    epoch = notary.getEpoch(token, 1)
    assert epoch[2] == 5 and epoch[4] == 40 * E18
    pushed = [e for e in tx.events["RewardPaid"] if "pushed" in e]
    assert len(pushed) == 5 and all(e["pushed"] for e in pushed)


def test_resent_batch_pays_nobody_twice(notary, token, committed, oracle, alice, bob, shop):
    notary.claim(token, 1, *committed.payment(bob), {"from": bob})  # bob claimed meanwhile
    notary.pushRewards(token, 1, [committed.payment(m) for m in (alice, bob)], {"from": oracle})
    tx = notary.pushRewards(token, 1, [committed.payment(m) for m in (alice, bob, shop)], {"from": oracle})
    skipped = [e["member"] for e in tx.events["RewardAlreadyPaid"]]
    assert skipped == [alice, bob]
    assert token.balanceOf(alice) == WELCOME_CITIZEN + 10 * E18
    assert token.balanceOf(bob) == WELCOME_CITIZEN + 20 * E18
    assert token.balanceOf(shop) == WELCOME_STAKEHOLDER + 55 * E18 // 10
    assert notary.getEpoch(token, 1)[4] == 355 * E18 // 10


def test_batch_with_a_bad_proof_pays_nobody(notary, token, committed, oracle, alice, bob):
    m, amount, h, proof = committed.payment(bob)
    with reverts_with("InvalidProof", bob, amount, "0x" + data_hash("forged").hex()):
        notary.pushRewards(token, 1, [committed.payment(alice), (m, amount, data_hash("forged"), proof)],
                           {"from": oracle})
    assert token.balanceOf(alice) == WELCOME_CITIZEN and not notary.isPaid(token, 1, alice)


def test_batch_bounds_and_role(notary, token, committed, oracle, alice):
    with reverts_with("BatchSize", 0, 200):
        notary.pushRewards(token, 1, [], {"from": oracle})
    with reverts_with("BatchSize", 201, 200):
        notary.pushRewards(token, 1, [committed.payment(alice)] * 201, {"from": oracle})
    with brownie.reverts():
        notary.pushRewards(token, 1, [committed.payment(alice)], {"from": alice})
    with reverts_with("UnknownEpoch", token, 2):
        notary.pushRewards(token, 2, [committed.payment(alice)], {"from": oracle})


# ------------------------------------------------------------------ release


def test_unpaid_rest_returns_to_treasury_after_claim_window(notary, token, committed, community_admin, alice, bob):
    notary.claim(token, 1, *committed.payment(alice), {"from": alice})
    ends_at = notary.getEpoch(token, 1)[1] + 365 * DAY
    with reverts_with("ClaimWindowOpen", ends_at):
        notary.releaseUnpaid(token, 1, {"from": community_admin})
    chain.sleep(365 * DAY + 1)
    chain.mine()
    with reverts_with("NotCommunityAdmin", token, alice):
        notary.releaseUnpaid(token, 1, {"from": alice})
    available = token.treasuryAvailable()
    tx = notary.releaseUnpaid(token, 1, {"from": community_admin})
    assert tx.events["EpochReleased"]["unpaid"] == 30 * E18
    assert token.rewardReserve() == 0
    assert token.treasuryAvailable() == available + 30 * E18
    with reverts_with("EpochIsReleased", token, 1):
        notary.claim(token, 1, *committed.payment(bob), {"from": bob})
    with reverts_with("EpochIsReleased", token, 1):
        notary.releaseUnpaid(token, 1, {"from": community_admin})


def test_claim_window_setting(notary, platform_admin, alice):
    tx = notary.setClaimWindow(30 * DAY, {"from": platform_admin})
    assert tx.events["ClaimWindowSet"]["claimWindow"] == 30 * DAY
    assert notary.claimWindow() == 30 * DAY
    with brownie.reverts():
        notary.setClaimWindow(1, {"from": alice})


def test_token_reward_functions_only_for_the_distributor(token, oracle, alice):
    for call in (lambda: token.reserveRewards(1, {"from": oracle}),
                 lambda: token.payReward(alice, 1, {"from": oracle}),
                 lambda: token.releaseRewards(1, {"from": alice})):
        with brownie.reverts():
            call()

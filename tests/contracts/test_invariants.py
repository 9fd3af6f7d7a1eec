"""Stateful property tests (hypothesis on a brownie/anvil chain): random sequences of transfers, fee changes, service
payments, purchases, members leaving and coming back, epoch commits over past periods, claims by index, pushes of
random subsets under one multiproof, voids and releases, and revisions of epochs (committed with or without a
challenge window, claimed, pushed, voided in their window, refused a void after it, released) keep the money
invariants:

- total supply equals the sum of all balances (members, treasury and the notary's escrow);
- every transfer between members: fee + amount received = amount sent, fee = sent x feeBps / 10 000;
- per epoch and per revision: paid total <= committed total (a revision's extra), each index paid at most once (a
  second payment of an index moves nothing), and what the chain says was paid equals what this model expects;
- the reserve (= the notary's balance) = committed - paid - returned by voids and releases, over epochs and
  revisions.
"""

from types import SimpleNamespace

import brownie
import pytest
import requests
from brownie import ZERO_ADDRESS, chain, web3
from eth_utils import keccak
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from oracle.merkle import pack_leaves, reward_tree

from .conftest import C2C, CITIZEN, CONSUMER, E18, STAKEHOLDER, b32, reverts_with

SC = b32("self_consumption")
DAY = 86_400
COMMITTED, VOIDED, RELEASED = 1, 2, 3  # ConsumptionNotary.EpochStatus
# leaf i pays member LEAF_MEMBERS[i]: the five members, and the first one listed a second time
LEAF_MEMBERS = [0, 1, 2, 3, 4, 0]
KINDS = [CITIZEN, CITIZEN, CITIZEN, STAKEHOLDER, STAKEHOLDER]


def read_many(*calls) -> list:
    """Several view calls `(contract, "method", *args)` in one JSON-RPC batch: one round trip instead of one each
    (the invariants read a dozen values after every step)."""
    payload = [
        {
            "jsonrpc": "2.0",
            "id": i,
            "method": "eth_call",
            "params": [{"to": contract.address, "data": getattr(contract, name).encode_input(*args)}, "latest"],
        }
        for i, (contract, name, *args) in enumerate(calls)
    ]
    answers = sorted(requests.post(web3.provider.endpoint_uri, json=payload, timeout=30).json(), key=lambda a: a["id"])
    return [
        getattr(contract, name).decode_output(answer["result"]) for (contract, name, *_), answer in zip(calls, answers)
    ]


@pytest.fixture(scope="module")
def active_model(registry, oracle_admin, token):
    registry.publishVersion(token, SC, [b32("alpha_consumer")], [1_000_000], 0, {"from": oracle_admin})
    registry.setActiveModel(token, SC, 0, {"from": oracle_admin})


# brownie's own `state_machine` fixture is unusable with the mypyc-compiled brownie 1.22 wheel (it
# rejects subclasses of its internal machine), so this drives plain hypothesis rules and resets the
# chain to a snapshot at the start of every example.
st_member = st.integers(0, 4)
st_amount = st.integers(0, 150 * E18)
st_rewards = st.lists(st.integers(0, 40 * E18), min_size=len(LEAF_MEMBERS), max_size=len(LEAF_MEMBERS))
st_epoch = st.integers(0, 255)
st_index = st.integers(0, len(LEAF_MEMBERS) - 1)


class MoneyStateMachine(RuleBasedStateMachine):
    token = notary = oracle = payer = token_admin = community_admin = platform_admin = None
    members: list = []
    first_period_start = 0  # periods are laid end to end from here, all over long before the snapshot

    def __init__(self):
        super().__init__()
        chain.revert()  # back to the snapshot taken by the test: every example starts from the same state
        self.citizens = self.members[:3]
        self.active = [True] * len(self.members)
        self.epochs = []  # per epoch number - 1: rewards, leaves, status, paid indexes, paid total
        self.revisions = []  # every revision of every epoch, the same fields (`revision` >= 1; an epoch's is 0)
        self.purchase_count = 0
        self.committed = self.paid = self.returned = 0
        self.touched = None  # the epoch the last notary rule changed

    # -------------------------------------------------------------- helpers

    def _open(self) -> list:
        return [e for e in self.epochs if e.status == COMMITTED]

    def _closed(self) -> list:
        return [e for e in self.epochs if e.status != COMMITTED]

    def _open_revisions(self) -> list:
        return [r for r in self.revisions if r.status == COMMITTED]

    def _closed_revisions(self) -> list:
        return [r for r in self.revisions if r.status != COMMITTED]

    def _before_payable(self, c) -> bool:
        """True when the next block is surely before `c` pays (a revision in its challenge window); a revision
        that pays within seconds is waited for, so no step depends on the exact timestamp of its block."""
        margin = c.payable_at - chain.time()
        if 0 <= margin <= 10:
            chain.sleep(margin + 1)
        return margin > 10

    def _balances(self, holders) -> list:
        return read_many(*[(self.token, "balanceOf", h) for h in holders])

    @staticmethod
    def _pick(epochs, st_epoch):
        return epochs[st_epoch % len(epochs)]

    def _record_paid(self, e, indexes) -> None:
        amount = sum(e.leaves[i][1] for i in indexes)
        e.paid.update(indexes)
        e.paid_total += amount
        self.paid += amount
        self.touched = e

    def _last_period_end(self) -> int:
        """End of the latest epoch not voided (the notary's bound for the next period), 0 when none."""
        for e in reversed(self.epochs):
            if e.status != VOIDED:
                return e.period[1]
        return 0

    # ------------------------------------------------------- token rules

    @rule(st_member=st_member, st_other=st_member, st_amount=st_amount)
    def rule_transfer(self, st_member, st_other, st_amount):
        sender, receiver = self.members[st_member], self.members[st_other]
        if sender == receiver:
            return
        balance = self.token.balanceOf(sender)
        if not self.active[st_other]:
            with reverts_with("ReceiverNotMember", receiver):
                self.token.transfer(receiver, st_amount, {"from": sender})
            return
        if st_amount > balance:
            with brownie.reverts():
                self.token.transfer(receiver, st_amount, {"from": sender})
            return
        fee_bps = self.token.feeBps()
        before = self.token.balanceOf(receiver)
        tx = self.token.transfer(receiver, st_amount, {"from": sender})
        ev = tx.events["TransferWithFee"]
        assert ev["fee"] + ev["received"] == ev["sent"] == st_amount
        assert ev["fee"] == st_amount * fee_bps // 10_000
        assert self.token.balanceOf(receiver) == before + ev["received"]

    @rule(st_fee=st.integers(0, 2000))
    def rule_set_fee(self, st_fee):
        self.token.setFeeBps(st_fee, {"from": self.token_admin})

    @rule(st_member=st_member, st_other=st_member, st_amount=st_amount)
    def rule_pay_service(self, st_member, st_other, st_amount):
        p, q = st_member % 3, st_other % 3
        payer, provider = self.citizens[p], self.citizens[q]
        if p == q or not (self.active[p] and self.active[q]) or not 0 < st_amount <= self.token.balanceOf(payer):
            return
        tx = self.token.payService(
            provider, st_amount, C2C, b32("svc"), ZERO_ADDRESS, 0, self.token.feeBps(), {"from": payer}
        )
        split = tx.events["ServicePaid"]["split"]
        assert split[0] + split[1] + split[2] == st_amount  # fee + provider + structure

    @rule(st_amount=st_amount)
    def rule_purchase(self, st_amount):
        self.purchase_count += 1
        which = 3 + self.purchase_count % 2
        if st_amount == 0 or not self.active[which]:
            return
        self.token.purchase(
            self.members[which], st_amount, b32(f"fiat-{self.purchase_count}"), {"from": self.token_admin}
        )

    @rule(st_member=st_member)
    def rule_toggle_membership(self, st_member):
        member = self.members[st_member]
        if self.active[st_member]:
            self.token.removeMember(member, {"from": self.community_admin})
        else:
            tx = self.token.addMember(member, KINDS[st_member], CONSUMER, {"from": self.community_admin})
            assert "WelcomeBonusPaid" not in tx.events  # welcomed once, on the first join
        self.active[st_member] = not self.active[st_member]

    # ------------------------------------------------------ notary rules

    @initialize(st_rewards=st_rewards, st_days=st.integers(1, 10))
    def initialize_first_epoch(self, st_rewards, st_days):
        """Every example starts with an epoch to pay, so claims and pushes run from the first step."""
        self.rule_commit_epoch(st_rewards, st_days)

    @rule(st_rewards=st_rewards, st_days=st.integers(1, 10))
    def rule_commit_epoch(self, st_rewards, st_days):
        n = len(self.epochs) + 1
        leaves = [
            (self.members[m].address, amount, keccak(f"readings {n}-{i}".encode()))
            for i, (m, amount) in enumerate(zip(LEAF_MEMBERS, st_rewards))
        ]
        tree = reward_tree(leaves)
        start = self._last_period_end() or self.first_period_start
        period = (start, start + st_days * DAY)
        total = sum(st_rewards)
        before = self.token.balanceOf(self.notary)
        tx = self.notary.commitEpoch(
            self.token, n, (*period, tree.root, SC, 1, keccak(b"ds"), len(leaves), total), {"from": self.oracle}
        )
        assert self.token.balanceOf(self.notary) == before + total
        self.committed += total
        self.epochs.append(
            SimpleNamespace(
                number=n,
                revision=0,
                revision_count=0,
                tree=tree,
                leaves=leaves,
                period=period,
                total=total,
                status=COMMITTED,
                paid=set(),
                paid_total=0,
                payable_at=tx.timestamp,
                deadline=tx.events["EpochCommitted"]["claimDeadline"],
            )
        )
        self.touched = self.epochs[-1]

    @precondition(lambda self: self._open())
    @rule(st_epoch=st_epoch, st_index=st_index)
    def rule_claim(self, st_epoch, st_index):
        self._claim(self._pick(self._open(), st_epoch), st_index)

    @precondition(lambda self: self._open_revisions())
    @rule(st_revision=st_epoch, st_index=st_index)
    def rule_claim_revision(self, st_revision, st_index):
        self._claim(self._pick(self._open_revisions(), st_revision), st_index)

    def _claim(self, e, st_index):
        """A claim of leaf `st_index` of an epoch or, when `e.revision`, of a revision."""
        member, amount, h = e.leaves[st_index]
        m = LEAF_MEMBERS[st_index]
        where = (self.token, e.number, e.revision) if e.revision else (self.token, e.number)
        args = (*where, st_index, member, amount, h, e.tree.proof(st_index), {"from": self.members[m]})
        claim = self.notary.claimRevision if e.revision else self.notary.claim
        refusal = (
            ("ChallengeWindowOpen", e.payable_at)
            if self._before_payable(e)
            else ("AlreadyPaid", self.token, e.number, st_index)
            if st_index in e.paid
            else ("ReceiverNotMember", member)
            if not self.active[m] and amount > 0
            else None
        )
        event(f"claim{' revision' if e.revision else ''} {refusal[0] if refusal else 'paid'}")
        if refusal:
            with reverts_with(*refusal):
                claim(*args)
            return
        if not self.active[m]:
            return  # a zero reward of a removed member: see test_consumption_notary
        before = self.token.balanceOf(member)
        claim(*args)
        assert self.token.balanceOf(member) == before + amount
        self._record_paid(e, [st_index])

    @precondition(lambda self: self._open())
    @rule(st_epoch=st_epoch, st_mask=st.integers(1, 2 ** len(LEAF_MEMBERS) - 1))
    def rule_push(self, st_epoch, st_mask):
        self._push(self._pick(self._open(), st_epoch), st_mask)

    @precondition(lambda self: self._open_revisions())
    @rule(st_revision=st_epoch, st_mask=st.integers(1, 2 ** len(LEAF_MEMBERS) - 1))
    def rule_push_revision(self, st_revision, st_mask):
        self._push(self._pick(self._open_revisions(), st_revision), st_mask)

    def _push(self, e, st_mask):
        """A push of the leaves in `st_mask` of an epoch or, when `e.revision`, of a revision."""
        chosen = [i for i in range(len(LEAF_MEMBERS)) if st_mask >> i & 1]
        mp = e.tree.multiproof(chosen)
        where = (self.token, e.number, e.revision) if e.revision else (self.token, e.number)
        args = (*where, pack_leaves(mp.values), mp.proof, mp.proof_flags, {"from": self.payer})
        push = self.notary.pushRevisionRewards if e.revision else self.notary.pushRewards
        if self._before_payable(e):
            event("push revision in its challenge window")
            with reverts_with("ChallengeWindowOpen", e.payable_at):
                push(*args)
            return
        already = [i for i in chosen if i in e.paid]
        skipped = [i for i in chosen if i not in e.paid and not self.active[LEAF_MEMBERS[i]]]
        pays = [i for i in chosen if i not in e.paid and self.active[LEAF_MEMBERS[i]]]
        event(
            f"push: {'some' if pays else 'none'} paid, {'some' if already else 'none'} already paid, "
            f"{'some' if skipped else 'none'} skipped"
        )
        expected = self._balances(self.members)
        for i in pays:
            expected[LEAF_MEMBERS[i]] += e.leaves[i][1]
        tx = push(*args)
        ev = tx.events["RevisionRewardsPushed" if e.revision else "RewardsPushed"]
        assert (ev["paidCount"], ev["paidAmount"], ev["alreadyPaid"], ev["notMembers"]) == (
            len(pays),
            sum(e.leaves[i][1] for i in pays),
            len(already),
            len(skipped),
        )
        skipped_event = "RevisionRewardSkipped" if e.revision else "RewardSkipped"
        skipped_events = tx.events[skipped_event] if skipped_event in tx.events else []
        assert [x["index"] for x in skipped_events] == skipped
        assert self._balances(self.members) == expected
        self._record_paid(e, pays)

    @precondition(lambda self: self._open())
    @rule(st_epoch=st_epoch, st_release=st.booleans())
    def rule_close(self, st_epoch, st_release):
        """Voids the epoch (refused once something is paid) or releases its unpaid rest after its deadline."""
        e = self._pick(self._open(), st_epoch)
        self.touched = e
        if st_release:
            event("release")
            deadline = self.notary.getEpoch(self.token, e.number).dict()["claimDeadline"]
            chain.sleep(max(0, deadline - chain.time()) + 1)
            tx = self.notary.releaseUnpaid(self.token, e.number, {"from": self.community_admin})
            assert tx.events["EpochReleased"]["unpaid"] == e.total - e.paid_total
            e.status = RELEASED
            self.returned += e.total - e.paid_total
            return
        if e.paid_total > 0:
            event("void EpochAlreadyPaid")
            with reverts_with("EpochAlreadyPaid", self.token, e.number, e.paid_total):
                self.notary.voidEpoch(self.token, e.number, keccak(b"reason"), {"from": self.community_admin})
            return
        if e.revision_count:
            event("void EpochRevised")
            with reverts_with("EpochRevised", self.token, e.number, e.revision_count):
                self.notary.voidEpoch(self.token, e.number, keccak(b"reason"), {"from": self.community_admin})
            return
        event("void")
        self.notary.voidEpoch(self.token, e.number, keccak(b"reason"), {"from": self.community_admin})
        e.status = VOIDED
        self.returned += e.total
        assert self.notary.lastPeriodEnd(self.token) == self._last_period_end()

    @precondition(lambda self: self._closed())
    @rule(st_epoch=st_epoch, st_index=st_index)
    def rule_closed_epoch_pays_nothing(self, st_epoch, st_index):
        e = self._pick(self._closed(), st_epoch)
        event("closed epoch")
        refusal = ("EpochNotOpen", self.token, e.number, e.status)
        with reverts_with(*refusal):
            self.notary.claim(
                self.token, e.number, *e.tree.values()[st_index], e.tree.proof(st_index), {"from": self.payer}
            )
        mp = e.tree.multiproof([st_index])
        with reverts_with(*refusal):
            self.notary.pushRewards(
                self.token, e.number, pack_leaves(mp.values), mp.proof, mp.proof_flags, {"from": self.payer}
            )
        with reverts_with(*refusal):
            self.notary.voidEpoch(self.token, e.number, keccak(b"again"), {"from": self.community_admin})
        with reverts_with(*refusal):
            self.notary.releaseUnpaid(self.token, e.number, {"from": self.community_admin})
        with reverts_with(*refusal):
            self.notary.commitRevision(
                self.token,
                e.number,
                e.revision_count + 1,
                (e.tree.root, keccak(b"ds"), 6, 0, 0, keccak(b"why")),
                {"from": self.oracle},
            )

    # ---------------------------------------------------- revision rules

    @precondition(lambda self: self._open())
    @rule(st_epoch=st_epoch, st_rewards=st_rewards, st_window=st.booleans())
    def rule_commit_revision(self, st_epoch, st_rewards, st_window):
        """A revision of an open epoch paying top-ups `st_rewards`, with a one-day challenge window or none."""
        e = self._pick(self._open(), st_epoch)
        if e.deadline - chain.time() <= 10:
            return  # its claim window is (nearly) over: test_notary_revisions covers the refusal
        n = e.revision_count + 1
        leaves = [
            (self.members[m].address, amount, keccak(f"corrected readings {e.number}.{n}-{i}".encode()))
            for i, (m, amount) in enumerate(zip(LEAF_MEMBERS, st_rewards))
        ]
        tree = reward_tree(leaves)
        extra = sum(st_rewards)
        commitment = (tree.root, keccak(b"corrected ds"), len(leaves), extra, extra, keccak(b"why"))
        if st_window:
            self.notary.setChallengeWindow(DAY, {"from": self.platform_admin})
        before = self.token.balanceOf(self.notary)
        tx = self.notary.commitRevision(self.token, e.number, n, commitment, {"from": self.oracle})
        if st_window:
            self.notary.setChallengeWindow(0, {"from": self.platform_admin})
        assert self.token.balanceOf(self.notary) == before + extra
        ev = tx.events["RevisionCommitted"]
        e.revision_count = n
        self.committed += extra
        revision = SimpleNamespace(
            number=e.number,
            revision=n,
            tree=tree,
            leaves=leaves,
            total=extra,
            status=COMMITTED,
            paid=set(),
            paid_total=0,
            payable_at=ev["payableAt"],
            deadline=ev["claimDeadline"],
        )
        self.revisions.append(revision)
        self.touched = revision

    @precondition(lambda self: self._open_revisions())
    @rule(st_revision=st_epoch, st_release=st.booleans())
    def rule_close_revision(self, st_revision, st_release):
        """Voids a revision in its challenge window (refused after it) or releases its unpaid rest after its
        deadline."""
        r = self._pick(self._open_revisions(), st_revision)
        self.touched = r
        if st_release:
            event("release revision")
            chain.sleep(max(0, r.deadline - chain.time()) + 1)
            tx = self.notary.releaseRevisionUnpaid(self.token, r.number, r.revision, {"from": self.community_admin})
            assert tx.events["RevisionReleased"]["unpaid"] == r.total - r.paid_total
            r.status = RELEASED
            self.returned += r.total - r.paid_total
            return
        reason = keccak(b"reason")
        if not self._before_payable(r):
            event("void revision ChallengeWindowClosed")
            with reverts_with("ChallengeWindowClosed", r.payable_at):
                self.notary.voidRevision(self.token, r.number, r.revision, reason, {"from": self.community_admin})
            return
        event("void revision")
        assert r.paid_total == 0  # nothing is paid in a challenge window
        self.notary.voidRevision(self.token, r.number, r.revision, reason, {"from": self.community_admin})
        r.status = VOIDED
        self.returned += r.total

    @precondition(lambda self: self._closed_revisions())
    @rule(st_revision=st_epoch, st_index=st_index)
    def rule_closed_revision_pays_nothing(self, st_revision, st_index):
        r = self._pick(self._closed_revisions(), st_revision)
        event("closed revision")
        where = (self.token, r.number, r.revision)
        with reverts_with("EpochNotOpen", self.token, r.number, r.status):
            self.notary.claimRevision(*where, *r.tree.values()[st_index], r.tree.proof(st_index), {"from": self.payer})
        mp = r.tree.multiproof([st_index])
        with reverts_with("EpochNotOpen", self.token, r.number, r.status):
            self.notary.pushRevisionRewards(
                *where, pack_leaves(mp.values), mp.proof, mp.proof_flags, {"from": self.payer}
            )
        with reverts_with("RevisionNotOpen", *where, r.status):
            self.notary.voidRevision(*where, keccak(b"again"), {"from": self.community_admin})
        with reverts_with("RevisionNotOpen", *where, r.status):
            self.notary.releaseRevisionUnpaid(*where, {"from": self.community_admin})

    @rule()
    def rule_wait_a_day(self):
        """Lets challenge windows pass."""
        chain.sleep(DAY + 1)

    # -------------------------------------------------------- invariants

    @invariant()
    def invariant_supply_equals_sum_of_balances(self):
        supply, *balances = read_many(
            (self.token, "totalSupply"),
            *[(self.token, "balanceOf", h) for h in [*self.members, self.token, self.notary]],
        )
        assert supply == sum(balances)

    @invariant()
    def invariant_each_index_is_paid_at_most_once_within_the_total(self):
        """Checked on the epoch the last notary rule touched (the others did not change)."""
        e = self.touched
        if e is None:
            return
        if e.revision:
            on_chain, *paid_bits = read_many(
                (self.notary, "getRevision", self.token, e.number, e.revision),
                *[
                    (self.notary, "isRevisionPaid", self.token, e.number, e.revision, i)
                    for i in range(len(LEAF_MEMBERS))
                ],
            )
            on_chain = on_chain.dict()
            assert on_chain["status"] == e.status
            assert on_chain["paidTotal"] == e.paid_total <= on_chain["extraReward"] == e.total
            assert paid_bits == [i in e.paid for i in range(len(LEAF_MEMBERS))]
            return
        on_chain, paid_count, *paid_bits = read_many(
            (self.notary, "getEpoch", self.token, e.number),
            (self.notary, "paidCount", self.token, e.number),
            *[(self.notary, "isPaid", self.token, e.number, i) for i in range(len(LEAF_MEMBERS))],
        )
        on_chain = on_chain.dict()
        assert on_chain["status"] == e.status
        assert on_chain["paidTotal"] == e.paid_total <= on_chain["totalReward"] == e.total
        assert paid_count == len(e.paid)
        assert paid_bits == [i in e.paid for i in range(len(LEAF_MEMBERS))]

    @invariant()
    def invariant_reserve_is_committed_minus_paid_minus_returned(self):
        open_rest = sum(c.total - c.paid_total for c in self._open() + self._open_revisions())
        assert read_many((self.token, "balanceOf", self.notary), (self.token, "rewardReserve")) == [
            open_rest,
            open_rest,
        ]
        assert open_rest == self.committed - self.paid - self.returned


def test_money_invariants(
    token,
    notary,
    oracle,
    payer,
    token_admin,
    community_admin,
    platform_admin,
    active_model,
    alice,
    bob,
    carol,
    shop,
    hall,
):
    machine = MoneyStateMachine
    machine.token, machine.notary, machine.oracle, machine.payer = token, notary, oracle, payer
    machine.token_admin, machine.community_admin, machine.platform_admin = token_admin, community_admin, platform_admin
    machine.members = [alice, bob, carol, shop, hall]
    machine.first_period_start = chain.time() - 1_000 * DAY
    chain.snapshot()
    run_state_machine_as_test(
        MoneyStateMachine,
        settings=settings(
            max_examples=40, stateful_step_count=20, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )

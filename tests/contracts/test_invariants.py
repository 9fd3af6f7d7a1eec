"""Stateful property tests (hypothesis on a brownie/anvil chain): random sequences of transfers, fee changes, service
payments, purchases, epoch commits, claims and pushes keep the money invariants:

- total supply equals the sum of all balances (members and treasury);
- every transfer between members: fee + amount received = amount sent, fee = sent x feeBps / 10 000;
- per epoch: paid total <= committed total, each leaf paid at most once, and what the chain says was
  paid equals what this model of the system expects.
"""
import brownie
import pytest
from brownie import ZERO_ADDRESS, chain
from eth_utils import keccak
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from oracle.merkle import reward_tree

from .conftest import C2C, E18, b32

SC = b32("self_consumption")
DAY = 86_400
START = 1_790_812_800


@pytest.fixture(scope="module")
def active_model(registry, oracle_admin, token):
    registry.publishVersion(SC, [b32("alpha_consumer")], [1_000_000], 1, {"from": oracle_admin})
    registry.setActiveModel(token, SC, {"from": oracle_admin})


# brownie's own `state_machine` fixture is unusable with the mypyc-compiled brownie 1.22 wheel (it
# rejects subclasses of its internal machine), so this drives plain hypothesis rules and resets the
# chain to a snapshot at the start of every example.
st_member = st.integers(0, 4)
st_amount = st.integers(0, 150 * E18)
st_rewards = st.lists(st.integers(0, 40 * E18), min_size=5, max_size=5)
st_epoch = st.integers(0, 255)


class MoneyStateMachine(RuleBasedStateMachine):
    token = notary = oracle = token_admin = None
    members: list = []

    def __init__(self):
        super().__init__()
        chain.revert()  # back to the snapshot taken by the test: every example starts from the same state
        self.citizens = self.members[:3]
        self.epochs = []  # per committed epoch: (tree, leaves, paid members set)
        self.purchase_count = 0

    # ------------------------------------------------------------------ rules

    @rule(st_member=st_member, st_other=st_member, st_amount=st_amount)
    def rule_transfer(self, st_member, st_other, st_amount):
        sender, receiver = self.members[st_member], self.members[st_other]
        if sender == receiver:
            return
        balance = self.token.balanceOf(sender)
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
        payer, provider = self.citizens[st_member % 3], self.citizens[st_other % 3]
        if payer == provider or st_amount == 0 or st_amount > self.token.balanceOf(payer):
            return
        tx = self.token.payService(provider, st_amount, C2C, b32("svc"), ZERO_ADDRESS, 0, {"from": payer})
        fee, to_provider, to_structure, _incentive, _to = tx.events["ServicePaid"]["split"]
        assert fee + to_provider + to_structure == st_amount

    @rule(st_amount=st_amount)
    def rule_purchase(self, st_amount):
        if st_amount == 0:
            return
        self.purchase_count += 1
        stakeholder = self.members[3 + self.purchase_count % 2]
        self.token.purchase(stakeholder, st_amount, b32(f"fiat-{self.purchase_count}"), {"from": self.token_admin})

    @rule(st_rewards=st_rewards)
    def rule_commit_epoch(self, st_rewards):
        leaves = [(m.address, amount, keccak(f"{m.address}-{len(self.epochs)}".encode()))
                  for m, amount in zip(self.members, st_rewards)]
        tree = reward_tree(leaves)
        n = len(self.epochs) + 1
        start = START + (n - 1) * 30 * DAY
        total = sum(st_rewards)
        self.notary.commitEpoch(self.token, n, (start, start + 30 * DAY, tree.root, SC, 1, keccak(b"ds"), 5, total),
                                {"from": self.oracle})
        self.epochs.append((tree, leaves, set()))

    @precondition(lambda self: self.epochs)
    @rule(st_epoch=st_epoch, st_member=st_member)
    def rule_claim(self, st_epoch, st_member):
        n = st_epoch % len(self.epochs)
        tree, leaves, paid = self.epochs[n]
        member, amount, h = leaves[st_member]
        if member in paid:
            with brownie.reverts():
                self.notary.claim(self.token, n + 1, member, amount, h, tree.proof(st_member), {"from": member})
            return
        before = self.token.balanceOf(member)
        self.notary.claim(self.token, n + 1, member, amount, h, tree.proof(st_member), {"from": member})
        assert self.token.balanceOf(member) == before + amount
        paid.add(member)

    @precondition(lambda self: self.epochs)
    @rule(st_epoch=st_epoch, st_mask=st.integers(1, 31))
    def rule_push(self, st_epoch, st_mask):
        n = st_epoch % len(self.epochs)
        tree, leaves, paid = self.epochs[n]
        chosen = [i for i in range(5) if st_mask >> i & 1]
        before = [self.token.balanceOf(leaves[i][0]) for i in chosen]
        payments = [(*leaves[i], tree.proof(i)) for i in chosen]
        self.notary.pushRewards(self.token, n + 1, payments, {"from": self.oracle})
        for i, b in zip(chosen, before):
            member, amount, _ = leaves[i]
            expected = b if member in paid else b + amount
            assert self.token.balanceOf(member) == expected
            paid.add(member)

    # ------------------------------------------------------------- invariants

    @invariant()
    def invariant_supply_equals_sum_of_balances(self):
        holders = [*self.members, self.token]
        assert self.token.totalSupply() == sum(self.token.balanceOf(h) for h in holders)

    @invariant()
    def invariant_epochs_pay_each_leaf_once_within_total(self):
        reserve = 0
        for n, (_tree, leaves, paid) in enumerate(self.epochs):
            commitment, _at, paid_count, _released, paid_total = self.notary.getEpoch(self.token, n + 1)
            total = commitment[7]
            assert paid_total <= total
            assert paid_count == len(paid) <= commitment[6]
            assert paid_total == sum(amount for m, amount, _ in leaves if m in paid)
            for member, _, _ in leaves:
                assert self.notary.isPaid(self.token, n + 1, member) == (member in paid)
            reserve += total - paid_total
        assert self.token.rewardReserve() == reserve
        assert self.token.balanceOf(self.token) >= reserve


def test_money_invariants(token, notary, oracle, token_admin, active_model, alice, bob, carol, shop, hall):
    MoneyStateMachine.token, MoneyStateMachine.notary = token, notary
    MoneyStateMachine.oracle, MoneyStateMachine.token_admin = oracle, token_admin
    MoneyStateMachine.members = [alice, bob, carol, shop, hall]
    chain.snapshot()
    run_state_machine_as_test(
        MoneyStateMachine,
        settings=settings(max_examples=10, stateful_step_count=20, deadline=None,
                          suppress_health_check=list(HealthCheck)),
    )

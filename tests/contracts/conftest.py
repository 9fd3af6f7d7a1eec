"""Shared fixtures of the contract tests: a deployed platform on anvil and one funded community.

The platform is deployed with the development settings (challenge window 0, model-change notice 0);
tests of those rules change them explicitly. The funded community's per-epoch reward ceiling is
REWARD_CEILING.
"""

from types import SimpleNamespace

import brownie
import pytest
from brownie import CommunityFactory, CommunityToken, ConsumptionNotary, LightingCertification, ModelRegistry, accounts
from eth_utils import keccak

from oracle.merkle import pack_leaves, reward_tree
from scripts.deploy import deploy_platform
from scripts.roles import RoleAccounts

E18 = 10**18
CITIZEN, STAKEHOLDER = 1, 2
CONSUMER, PROSUMER, PROSTORMER = 1, 2, 3
# seed 001 §5.3.2 category numbers; the names read payer -> provider (C2S: a citizen pays a stakeholder)
(C2C, C2C_STRUCT, C2S, S2S, S2C, C2COMM, S2COMM, C2COMM_STRUCT) = range(1, 9)
PAYER, PROVIDER = 0, 1

WELCOME_CITIZEN = 100 * E18
WELCOME_STAKEHOLDER = 500 * E18
FEE_BPS = 100  # 1 %
TREASURY_FUNDS = 1_000_000 * E18
REWARD_CEILING = 100_000 * E18
MAX_FEE = FEE_BPS  # the fee a payer accepts in payService / transferWithMaxFee


def _error_arg(value) -> str:
    """An argument as brownie prints a decoded custom error: lower-case addresses, bytes as Python repr."""
    if hasattr(value, "address"):
        value = value.address
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return value.lower()
    if isinstance(value, str) and value.startswith("0x") and len(value) == 66:
        return str(bytes.fromhex(value[2:]))
    return str(value)


def reverts_with(error: str, *args):
    """`brownie.reverts` for a custom error, which brownie reports as "Name: arg1, arg2"."""
    return brownie.reverts(f"{error}: {', '.join(_error_arg(a) for a in args)}")


def b32(text: str) -> bytes:
    """Short ASCII text right-padded to bytes32 (model ids, parameter names, references)."""
    raw = text.encode()
    assert len(raw) <= 32
    return raw.ljust(32, b"\0")


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    pass


@pytest.fixture(scope="session")
def platform_admin():
    return accounts[0]


@pytest.fixture(scope="session")
def oracle_admin():
    return accounts[1]


@pytest.fixture(scope="session")
def oracle():
    return accounts[2]


@pytest.fixture(scope="session")
def payer():
    """Pushes rewards (REWARD_PAYER); never commits."""
    return accounts.add()


@pytest.fixture(scope="session")
def community_admin():
    return accounts[3]


@pytest.fixture(scope="session")
def token_admin():
    return accounts[4]


@pytest.fixture(scope="session")
def alice():
    """Citizen, consumer."""
    return accounts[5]


@pytest.fixture(scope="session")
def bob():
    """Citizen, prosumer."""
    return accounts[6]


@pytest.fixture(scope="session")
def carol():
    """Citizen, prostormer."""
    return accounts[7]


@pytest.fixture(scope="session")
def shop():
    """Stakeholder (a shop), consumer."""
    return accounts[8]


@pytest.fixture(scope="session")
def hall():
    """Stakeholder owning a room (structure), prosumer."""
    return accounts[9]


@pytest.fixture(scope="session")
def outsider():
    """Never a member of any community."""
    return accounts.add()


@pytest.fixture(scope="module")
def platform(platform_admin, oracle_admin, oracle, community_admin, token_admin, payer):
    manifest = deploy_platform(
        RoleAccounts(
            platform_admin,
            oracle_admin.address,
            oracle.address,
            community_admin.address,
            token_admin.address,
            payer.address,
        ),
        challenge_window=0,
        min_notice=0,
    )
    c = manifest["contracts"]
    return SimpleNamespace(
        manifest=manifest,
        factory=CommunityFactory.at(c["CommunityFactory"]["address"]),
        registry=ModelRegistry.at(c["ModelRegistry"]["address"]),
        notary=ConsumptionNotary.at(c["ConsumptionNotary"]["address"]),
        lighting=LightingCertification.at(c["LightingCertification"]["address"]),
    )


@pytest.fixture(scope="module")
def factory(platform):
    return platform.factory


@pytest.fixture(scope="module")
def registry(platform):
    return platform.registry


@pytest.fixture(scope="module")
def notary(platform):
    return platform.notary


def create_community(
    factory, platform_admin, community_admin, token_admin, name="Borgo Solare", symbol="BSOL", fee_bps=FEE_BPS
):
    tx = factory.createCommunity(
        name,
        symbol,
        community_admin,
        token_admin,
        WELCOME_CITIZEN,
        WELCOME_STAKEHOLDER,
        fee_bps,
        {"from": platform_admin},
    )
    return CommunityToken.at(tx.return_value)


@pytest.fixture(scope="module")
def bare_token(factory, platform_admin, community_admin, token_admin):
    """A community with an empty treasury and no members."""
    return create_community(factory, platform_admin, community_admin, token_admin)


@pytest.fixture(scope="module")
def token(factory, platform_admin, token_admin, community_admin, alice, bob, carol, shop, hall):
    """A community with a funded treasury, a reward ceiling of REWARD_CEILING and five members (welcome bonuses
    paid)."""
    bare_token = create_community(factory, platform_admin, community_admin, token_admin, "Borgo Pieno", "BPI")
    bare_token.fundTreasury(TREASURY_FUNDS, b32("endowment"), {"from": token_admin})
    bare_token.setEpochRewardCeiling(REWARD_CEILING, {"from": token_admin})
    for account, kind, profile in [
        (alice, CITIZEN, CONSUMER),
        (bob, CITIZEN, PROSUMER),
        (carol, CITIZEN, PROSTORMER),
        (shop, STAKEHOLDER, CONSUMER),
        (hall, STAKEHOLDER, PROSUMER),
    ]:
        bare_token.addMember(account, kind, profile, {"from": community_admin})
    return bare_token


def past_period(days: int = 31, ended_ago: int = 3600) -> tuple[int, int]:
    """A period of `days` days that ended `ended_ago` seconds before the chain's current time."""
    end = brownie.chain.time() - ended_ago
    return end - days * 86_400, end


# ------------------------------------------------- an epoch of the funded community (notary and revision tests)

SC = b32("self_consumption")
DATASET = keccak(b"dataset of the epoch")
DAY = 86_400


def data_hash(name: str) -> bytes:
    return keccak(f"salted canonical readings of {name}".encode())


class Rewards:
    """One epoch's leaves, tree and commitment, as the oracle builds them: leaf i = (i, member, amount, dataHash)."""

    def __init__(self, leaves, period, total, leaf_count=None, model=SC, version=1):
        self.leaves = [(m.address if hasattr(m, "address") else str(m), amount, h) for m, amount, h in leaves]
        self.tree = reward_tree(self.leaves)
        self.values = self.tree.values()
        self.period = period
        self.total = total
        self.commitment = (
            period[0],
            period[1],
            self.tree.root,
            model,
            version,
            DATASET,
            len(self.leaves) if leaf_count is None else leaf_count,
            total,
        )

    def claim(self, index: int) -> tuple:
        """`claim` arguments after (community, epoch): index, member, amount, dataHash, proof."""
        return (*self.values[index], self.tree.proof(index))

    def multiproof(self, indexes):
        return self.tree.multiproof(indexes)

    def batch(self, indexes) -> tuple:
        """`pushRewards` arguments after (community, epoch): packed leaves, proof, proof flags."""
        mp = self.tree.multiproof(indexes)
        return pack_leaves(mp.values), mp.proof, mp.proof_flags


@pytest.fixture(scope="module")
def model(registry, oracle_admin, token):
    """self_consumption version 1, active for every period of the funded community."""
    registry.publishVersion(
        token, SC, [b32("alpha_consumer"), b32("alpha_producer")], [1_000_000, 500_000], 0, {"from": oracle_admin}
    )
    registry.setActiveModel(token, SC, 0, {"from": oracle_admin})
    return SC


@pytest.fixture(scope="module")
def period1():
    """31 days that ended 40 days ago: later epochs fit between its end and now."""
    return past_period(days=31, ended_ago=40 * DAY)


@pytest.fixture(scope="module")
def epoch1(alice, bob, carol, shop, hall, period1):
    # 10 + 20 + 0 + 5.5 + 4.5 = 40 tokens
    return Rewards(
        [
            (alice, 10 * E18, data_hash("alice")),
            (bob, 20 * E18, data_hash("bob")),
            (carol, 0, data_hash("carol")),
            (shop, 55 * E18 // 10, data_hash("shop")),
            (hall, 45 * E18 // 10, data_hash("hall")),
        ],
        period1,
        total=40 * E18,
    )


@pytest.fixture
def committed(notary, token, model, oracle, epoch1):
    notary.commitEpoch(token, 1, epoch1.commitment, {"from": oracle})
    return epoch1

"""`dapp demo-wallets`: the development chain's demo wallets with their keys, refused for a configured setup."""

from __future__ import annotations

import pytest
from eth_account import Account

from dapp_backend.cli import main
from dapp_backend.demo_wallets import DEMO_AUDITOR, DEMO_COMMUNITY, DEMO_MEMBER, demo_keystore, prepare_demo_wallets
from dapp_backend.services.roles import standing
from oracle.communities import create_community
from oracle.errors import OracleError
from oracle.keystore import ROLES


@pytest.fixture(scope="module")
def demo_community(base_ctx):
    """The demo's community (oracle/demo.py's name); the epoch part of the demo is not needed here."""
    try:
        create_community(
            base_ctx,
            DEMO_COMMUNITY,
            symbol="CEGL",
            welcome_citizen="100",
            welcome_stakeholder="500",
            fee_bps=100,
            endowment="1000000",
        )
    except OracleError:  # an earlier test of the session made it
        pass
    return DEMO_COMMUNITY


def wallets_by_role(setup):
    return {w.role: w for w in setup.wallets}


@pytest.mark.parametrize(
    "env",
    [
        {"DATABASE_URL": "postgresql://lec@db.example.org/lec"},
        {"LEC_RPC_URL": "https://rpc.example.org", "LEC_CHAIN_ID": "1337"},
        {"LEC_CHAIN_ID": "1"},
        {"LEC_KEYSTORE_DIR": "/etc/lec/keystores"},
    ],
)
def test_a_configured_setup_is_refused_without_a_key(env, lec_home, monkeypatch, capsys):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["demo-wallets", "--home", str(lec_home)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: refusing to print keys: this is a configured setup (")
    assert err.count("\n") == 1 and "0x" not in err


def test_the_demo_community_must_exist_first(base_ctx, lec_home, capsys):
    from sqlalchemy import select

    from oracle.db.schema import Community

    with base_ctx.session() as s:
        exists = s.scalar(select(Community.id).where(Community.name == DEMO_COMMUNITY)) is not None
    if exists:
        pytest.skip("another test of this session created the demo community already")
    assert main(["demo-wallets", "--home", str(lec_home)]) == 2
    assert "run `oracle demo` first" in capsys.readouterr().err


def test_every_listed_wallet_holds_its_role_on_chain(ctx, demo_community):
    setup = prepare_demo_wallets(ctx)
    wallets = wallets_by_role(setup)
    assert list(wallets) == [*ROLES, DEMO_MEMBER, DEMO_AUDITOR]
    for wallet in setup.wallets:
        assert Account.from_key(wallet.private_key).address == wallet.address
    assert "platform_admin" in standing(ctx, wallets["platform_admin"].address).roles
    assert "oracle_admin" in standing(ctx, wallets["oracle_admin"].address).roles
    token = setup.token
    for role in ("community_admin", "token_admin"):
        assert standing(ctx, wallets[role].address).has(role, token)
    notary = ctx.chain.notary
    oracle_role = ctx.chain.call(notary.functions.ORACLE_ROLE())
    assert ctx.chain.call(notary.functions.hasRole(oracle_role, wallets["oracle"].address))
    assert "auditor" in standing(ctx, wallets[DEMO_AUDITOR].address).roles


def test_the_demo_member_is_a_member_with_ether_and_its_welcome_bonus(ctx, demo_community):
    setup = prepare_demo_wallets(ctx)
    member = wallets_by_role(setup)[DEMO_MEMBER]
    mine = standing(ctx, member.address).community(setup.token)
    assert (mine.member, mine.kind, mine.profile) == (True, "citizen", "consumer")
    assert mine.balance == 100 * 10**18  # create_community(welcome_citizen="100")
    assert ctx.chain.w3.eth.get_balance(member.address) == 1_000 * 10**18  # fund_dev_accounts' 1,000 ether
    assert demo_keystore(ctx.settings, DEMO_MEMBER).stat().st_mode & 0o777 == 0o600
    assert member.private_key not in demo_keystore(ctx.settings, DEMO_MEMBER).read_text()


def test_a_second_run_reuses_the_same_wallets_and_adds_nobody(ctx, lec_home, demo_community, capsys):
    from sqlalchemy import func, select

    from oracle.db.schema import Community, Membership

    first = prepare_demo_wallets(ctx)

    def members():
        with ctx.session() as s:
            return s.scalar(
                select(func.count()).select_from(Membership).join(Community).where(Community.name == DEMO_COMMUNITY)
            )

    before = members()
    assert main(["demo-wallets", "--home", str(lec_home)]) == 0
    out = capsys.readouterr().out
    assert members() == before
    assert prepare_demo_wallets(ctx) == first
    for wallet in first.wallets:
        assert f"{wallet.address}  {wallet.private_key}" in out
    assert "development keys of a LOCAL anvil chain only" in out
    assert "chain id 31337" in out and f"address {first.token}, symbol CEGL, decimals 18" in out

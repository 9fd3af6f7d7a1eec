"""Demo wallets of the embedded development setup, for trying the dApp locally with MetaMask.

The role keystores the embedded setup generated (oracle/keystore.py) plus two demo people, each with a key in an
encrypted keystore of the home (same passphrase, `<home>/keystores/demo_<who>.json`): a member of the demo
community (added by its Community Admin through the oracle's member import, so it also has a row in the
database) and an auditor (granted by the Platform Admin). Both get ether on anvil.

Private keys are shown only for a development setup: any configured resource (DATABASE_URL, LEC_RPC_URL, a
chain id other than anvil's, LEC_KEYSTORE_DIR) makes the keys possibly real ones, and the command refuses.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from oracle.config import ANVIL_CHAIN_ID, Settings
from oracle.context import Context
from oracle.embedded import fund_dev_accounts
from oracle.errors import OracleError
from oracle.keystore import DEV_SCRYPT_N, ROLES
from oracle.secrets import keystore_passphrase

DEMO_COMMUNITY = "CER Genova Levante"  # oracle/demo.py's community
DEMO_MEMBER = "demo_member"
DEMO_AUDITOR = "demo_auditor"
MEMBER_ROW = "Demo Member,demo.member@example.org,citizen,consumer,DEMO-MEMBER-1"
WHAT_THEY_DO = {
    "platform_admin": "Platform Admin: creates communities, grants roles and auditors",
    "oracle_admin": "Oracle Admin: publishes reward models",
    "oracle": "the oracle's committing key (ORACLE_ROLE on the notary)",
    "reward_payer": "the oracle's paying key (pushes rewards)",
    "community_admin": "Community Admin of every community: members, work requests",
    "token_admin": "Token Admin of every community: welcome bonus, fee, incentives",
    DEMO_MEMBER: f"a member of {DEMO_COMMUNITY!r}",
    DEMO_AUDITOR: "an auditor (granted by the Platform Admin)",
}


class NotADevelopmentSetup(OracleError):
    """The setup is a configured one: its keys may hold real value and are never printed."""


@dataclass(frozen=True)
class DemoWallet:
    role: str
    address: str
    private_key: str  # 0x-prefixed hex
    does: str


@dataclass(frozen=True)
class DemoSetup:
    wallets: list[DemoWallet]
    rpc_url: str
    chain_id: int
    token: str
    symbol: str


def refuse_configured(settings: Settings) -> None:
    configured = [
        name
        for name, value in (
            ("DATABASE_URL", settings.database_url),
            ("LEC_RPC_URL", settings.rpc_url),
            ("LEC_KEYSTORE_DIR", settings.keystore_dir),
        )
        if value
    ]
    if settings.chain_id not in (None, ANVIL_CHAIN_ID):
        configured.append(f"LEC_CHAIN_ID={settings.chain_id}")
    if configured:
        raise NotADevelopmentSetup(
            f"refusing to print keys: this is a configured setup ({', '.join(configured)}), not the embedded "
            "development one, and its keys may be real; demo wallets exist only on the local anvil chain"
        )


def demo_keystore(settings: Settings, who: str) -> Path:
    return settings.keystores / f"{who}.json"


def demo_account(settings: Settings, who: str) -> LocalAccount:
    """The demo person's key, created on first use in an encrypted keystore of the home (mode 0600)."""
    path = demo_keystore(settings, who)
    passphrase = keystore_passphrase(settings)
    if path.exists():
        return Account.from_key(Account.decrypt(json.loads(path.read_text()), passphrase))
    account = Account.create()
    encrypted = Account.encrypt(account.key, passphrase, kdf="scrypt", iterations=DEV_SCRYPT_N)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(encrypted, f)
    return account


def _demo_token(ctx: Context) -> tuple[str, str]:
    from oracle.communities import get_community

    try:
        community = get_community(ctx, DEMO_COMMUNITY)
    except OracleError:
        community = None
    if community is None or community.token_address is None:
        raise OracleError(f"the demo community {DEMO_COMMUNITY!r} does not exist yet: run `oracle demo` first")
    return community.token_address, community.symbol


def ensure_member(ctx: Context, token: str, member: LocalAccount) -> None:
    """Adds the demo member through the oracle's import (Community Admin's key) unless it already is one."""
    from oracle.members import import_members

    if ctx.chain.members_active(token, [member.address])[0]:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo-member.csv"
        path.write_text(f"wallet,name,email,kind,profile,deviceid\n{member.address},{MEMBER_ROW}\n")
        import_members(ctx, DEMO_COMMUNITY, path, log=lambda *_: None)


def ensure_auditor(ctx: Context, auditor: LocalAccount) -> None:
    from dapp_backend.services.auditors import grant_auditor

    grant_auditor(ctx, auditor.address, by=ctx.keyring.address("platform_admin"))


def prepare_demo_wallets(ctx: Context) -> DemoSetup:
    """Makes the demo people (idempotent) and returns every demo wallet with its key."""
    settings = ctx.settings
    refuse_configured(settings)
    answered = ctx.chain.w3.eth.chain_id
    if answered != ANVIL_CHAIN_ID:  # belt and braces: the chain that answers is anvil's
        raise NotADevelopmentSetup(
            f"refusing to print keys: the chain answers with id {answered}, not anvil's {ANVIL_CHAIN_ID}"
        )
    token, symbol = _demo_token(ctx)
    member, auditor = demo_account(settings, DEMO_MEMBER), demo_account(settings, DEMO_AUDITOR)
    ensure_member(ctx, token, member)
    ensure_auditor(ctx, auditor)
    fund_dev_accounts(settings, [member.address, auditor.address])
    accounts = [(role, ctx.keyring.account(role)) for role in ROLES]
    accounts += [(DEMO_MEMBER, member), (DEMO_AUDITOR, auditor)]
    wallets = [
        DemoWallet(role, a.address, "0x" + a.key.hex().removeprefix("0x"), WHAT_THEY_DO[role]) for role, a in accounts
    ]
    return DemoSetup(wallets, settings.effective_rpc_url, ANVIL_CHAIN_ID, token, symbol)


def describe(setup: DemoSetup, dapp_url: str = "http://127.0.0.1:5000") -> str:
    """The table of demo wallets and how to use them in MetaMask."""
    lines = [
        "",
        "WARNING: development keys of a LOCAL anvil chain only. Never send real funds to these addresses,",
        "never use these keys on another network.",
        "",
        f"{'role':<16} {'address':<42}  {'private key':<66}  what it does",
    ]
    lines += [f"{w.role:<16} {w.address:<42}  {w.private_key:<66}  {w.does}" for w in setup.wallets]
    lines += [
        "",
        "MetaMask, for a local try:",
        "  1. Add the network (Settings > Networks > Add a network manually):",
        f"     name 'LEC development (anvil)', RPC URL {setup.rpc_url}, chain id {setup.chain_id}, currency symbol ETH",
        "  2. Import an account (account menu > Add account > Import account) and paste a private key above:",
        f"     {DEMO_MEMBER} for the member page, community_admin / token_admin for the community admin page,",
        f"     oracle_admin for the oracle admin page, {DEMO_AUDITOR} for the auditor page, platform_admin for "
        "the platform admin page",
        f"  3. Import the token (Tokens > Import tokens > Custom token): address {setup.token}, symbol "
        f"{setup.symbol}, decimals 18",
        f"  4. Open {dapp_url}, connect the wallet and sign in.",
        "  (anvil restarted from its saved state keeps the nonces; if MetaMask says 'nonce too high', clear the",
        "  account's activity: Settings > Advanced > Clear activity tab data.)",
    ]
    return "\n".join(lines)

"""Fixtures and helpers of the administrators' API tests: who is asking (every audience signed in the way a wallet
does), transactions signed by a member's own key (as the browser would, never by the backend), and a community
whose token history is worked out by hand."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from oracle.chain.encoding import to_bytes32
from oracle.communities import create_community
from oracle.members import import_members
from tests.oracle.conftest import unique_name, write

from .conftest import role_account, signed_in

TOKEN = 10**18
NOT_A_COMMUNITY = "0x" + "12" * 20  # a well-formed address no community has as its token
CITIZEN_TO_STAKEHOLDER = 3  # CommunityTokenBase.Category
CITIZEN_TO_COMMUNITY = 6
STAKEHOLDER_TO_COMMUNITY = 7


def fund(ctx, address: str) -> None:
    """Members hold no ETH on anvil: give one some (the embedded anvil's gas price is 0, but a wallet checks)."""
    ctx.chain.w3.provider.make_request("anvil_setBalance", [address, hex(10**18)])


def send_as(ctx, account: LocalAccount, fn) -> dict:
    """Signs and sends `fn` with a member's key, as the member's wallet does; the mined receipt."""
    w3 = ctx.chain.w3
    tx = fn.build_transaction(
        {
            "from": account.address,
            "chainId": ctx.chain.chain_id,
            "gasPrice": w3.eth.gas_price,
            "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        }
    )
    tx_hash = w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction).to_0x_hex()
    return ctx.chain.wait(tx_hash, fn.fn_name)


@dataclass(frozen=True)
class Moves:
    """A community (fee 1 %, welcome 100 / 500 tokens) with three members whose keys the tests hold, and,
    in this order: citizen A sends 10 tokens to citizen B; A pays stakeholder S 20 tokens for a service
    (category 3); B asks 5 tokens of community work (pending); S asks 7 (rejected); A asks 3 (approved).
    N is a citizen the Community Admin added on-chain only (as the browser does): no record in the oracle.
    `txs` names each transaction's hash."""

    name: str
    token: str
    a: LocalAccount
    b: LocalAccount
    s: LocalAccount
    n: LocalAccount
    txs: dict


@pytest.fixture(scope="session")
def moves(base_ctx, tmp_path_factory) -> Moves:
    a, b, s, n = (Account.create() for _ in range(4))
    name = unique_name("Dapp Moves LEC")
    prefix = name.replace(" ", "")
    create_community(base_ctx, name, welcome_citizen="100", welcome_stakeholder="500", fee_bps=100, endowment="10000")
    members = write(
        tmp_path_factory.mktemp("moves") / "members.csv",
        "wallet,name,email,kind,profile,deviceid\n"
        f"{a.address},Alba Neri,alba-{prefix}@example.org,citizen,consumer,{prefix}-A\n"
        f"{b.address},Bice Galli,bice-{prefix}@example.org,citizen,prosumer,{prefix}-B\n"
        f"{s.address},Sala Civica,sala-{prefix}@example.org,stakeholder,consumer,{prefix}-S\n",
    )
    import_members(base_ctx, name, members, log=lambda *_: None)
    token_address = base_ctx.chain.call(base_ctx.chain.factory.functions.communityByName(name))
    token = base_ctx.chain.token(token_address)
    for account in (a, b, s):
        fund(base_ctx, account.address)
    zero = "0x" + "00" * 20
    txs = {}
    txs["transfer"] = send_as(base_ctx, a, token.functions.transfer(b.address, 10 * TOKEN))
    txs["service"] = send_as(
        base_ctx,
        a,
        token.functions.payService(
            s.address, 20 * TOKEN, CITIZEN_TO_STAKEHOLDER, to_bytes32("bike repair"), zero, 0, 100
        ),
    )
    send_as(
        base_ctx,
        b,
        token.functions.requestCommunityWork(CITIZEN_TO_COMMUNITY, 5 * TOKEN, to_bytes32("garden"), zero, 0),
    )
    send_as(
        base_ctx,
        s,
        token.functions.requestCommunityWork(STAKEHOLDER_TO_COMMUNITY, 7 * TOKEN, to_bytes32("repair"), zero, 0),
    )
    send_as(
        base_ctx,
        a,
        token.functions.requestCommunityWork(CITIZEN_TO_COMMUNITY, 3 * TOKEN, to_bytes32("cleanup"), zero, 0),
    )
    base_ctx.chain.send(token.functions.rejectCommunityWork(2, to_bytes32("not needed")), "community_admin")
    txs["work"] = base_ctx.chain.send(token.functions.approveCommunityWork(3), "community_admin")
    base_ctx.chain.send(token.functions.addMember(n.address, 1, 1), "community_admin")  # citizen, consumer
    return Moves(name, token_address, a, b, s, n, {k: r["transactionHash"].to_0x_hex() for k, r in txs.items()})


@pytest.fixture(scope="session")
def other_admin(base_ctx, community) -> LocalAccount:
    """Community Admin of another community (the `community` fixture's) only: a wrong admin here."""
    account = Account.create()
    token = base_ctx.chain.token(community[1])
    base_ctx.chain.send(token.functions.grantRole(keccak(text="COMMUNITY_ADMIN"), account.address), "platform_admin")
    return account


AUDIENCES = (
    "anonymous",
    "member",
    "outsider",
    "other_admin",
    "oracle_admin",
    "platform_admin",
    "community_admin",
    "token_admin",
)


def as_audience(client, ctx, audience: str, *, member: LocalAccount, other_admin: LocalAccount):
    """`client` signed in as `audience` (anonymous: not signed in); `member` is the member who asks."""
    if audience == "anonymous":
        return client
    accounts = {"member": member, "outsider": Account.create(), "other_admin": other_admin}
    return signed_in(client, accounts.get(audience) or role_account(ctx, audience))


def refused(response, status: int, field: str | None = None) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert isinstance(body["error"], str) and body["error"], body
    assert body["field"] == field, body
    return body

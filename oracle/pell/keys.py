"""Submitter keys of the municipalities: one encrypted keystore each (eth-account v3 JSON, the oracle's
keystore passphrase), `<keystore dir>/pell_submitter_<ISTAT code>.json`, signed with as the keyring role
`pell_submitter_<ISTAT code>`. The Platform Admin authorizes each on LightingCertification (`setSubmitter`);
the account is also recorded in pell_viewers as an account of its municipality (it may see reserved data).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from eth_account import Account
from eth_utils import to_checksum_address
from sqlalchemy import select

from oracle.chain.transactions import send_recorded
from oracle.db.schema import PellViewer
from oracle.errors import ConfigError
from oracle.keystore import DEV_SCRYPT_N, keystore_file
from oracle.pell import data
from oracle.pell.chain import lighting
from oracle.secrets import keystore_passphrase


@dataclass(frozen=True)
class Submitter:
    municipality_code: str
    address: str
    created: bool  # the key was made now
    authorized: bool  # setSubmitter was sent now


def submitter_role(code: str) -> str:
    return f"pell_submitter_{code}"


def _create_keystore(settings, path) -> None:
    account = Account.create()
    kdf = {"kdf": "scrypt", "iterations": DEV_SCRYPT_N} if not settings.production else {"kdf": "scrypt"}
    encrypted = Account.encrypt(account.key, keystore_passphrase(settings), **kdf)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(encrypted, f)


def submitter_address(ctx, code: str) -> str | None:
    path = keystore_file(ctx.settings, submitter_role(code))
    return to_checksum_address(json.loads(path.read_text())["address"]) if path.exists() else None


def create_submitter(ctx, code: str) -> Submitter:
    """Makes the municipality's key unless it exists, authorizes it on-chain unless it is, records it as an
    account of the municipality. Idempotent."""
    with ctx.session() as s:
        municipality = data.municipality_by_code(s, code)
        municipality_id = municipality.id
    path = keystore_file(ctx.settings, submitter_role(code))
    created = not path.exists()
    if created:
        _create_keystore(ctx.settings, path)
    address = submitter_address(ctx, code)
    if ctx.settings.embedded_chain:
        from oracle.embedded import fund_dev_accounts

        fund_dev_accounts(ctx.settings, [address])
    contract = lighting(ctx)
    authorized = not ctx.chain.call(contract.functions.isSubmitter(code, address))
    if authorized:
        send_recorded(
            ctx,
            contract.functions.setSubmitter(code, address, True),
            "platform_admin",
            "pell_set_submitter",
            what=f"setSubmitter({code})",
            detail={"municipality": code, "account": address},
        )
    _record_viewer(ctx, address, municipality_id)
    return Submitter(code, address, created, authorized)


def _record_viewer(ctx, address: str, municipality_id: int) -> None:
    with ctx.session() as s:
        if (
            s.scalar(
                select(PellViewer.id).where(
                    PellViewer.address == address, PellViewer.municipality_id == municipality_id
                )
            )
            is None
        ):
            s.add(
                PellViewer(
                    address=address, municipality_id=municipality_id, granted_by=ctx.keyring.address("platform_admin")
                )
            )


def ensure_submitter(ctx, code: str) -> str:
    """The role that signs the municipality's certifications; on the embedded setup its key is made and
    authorized when missing, a configured setup needs `oracle pell submitter create` first."""
    if submitter_address(ctx, code) is None and ctx.settings.production:
        raise ConfigError(
            f"no submitter key for municipality {code}: run `oracle pell submitter create "
            f"--municipality {code}` (Platform Admin) first"
        )
    if ctx.settings.production:
        return submitter_role(code)
    create_submitter(ctx, code)
    return submitter_role(code)

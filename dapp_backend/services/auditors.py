"""Auditors: granted and revoked by a Platform Admin, kept in the database (table dapp_auditors).

Why not on-chain: an auditor reads personal data (take-out files) that lives only in the oracle's database,
and no contract checks or needs the role; adding one would change and redeploy every contract for a
permission that only this backend enforces. Who may grant it still comes from the chain: the granting
address must hold PLATFORM_ADMIN on the factory at the time of the grant, and each grant and revocation
keeps who made it and when.
"""
from __future__ import annotations

from eth_utils import is_address, keccak, to_checksum_address
from sqlalchemy import func, select, update

from oracle.context import Context
from oracle.db.schema import DappAuditor
from dapp_backend.services.errors import Forbidden, InvalidInput

_PLATFORM_ADMIN = keccak(text="PLATFORM_ADMIN")


def is_auditor(ctx: Context, address: str) -> bool:
    with ctx.session() as s:
        return s.scalar(select(DappAuditor.id).where(DappAuditor.address == to_checksum_address(address),
                                                     DappAuditor.revoked_at.is_(None))) is not None


def _platform_admin(ctx: Context, by: str) -> str:
    by = to_checksum_address(by)
    chain = ctx.chain
    if not chain.call(chain.factory.functions.hasRole(_PLATFORM_ADMIN, by)):
        raise Forbidden(f"{by} is not a Platform Admin: only a Platform Admin grants or revokes auditors")
    return by


def _auditor_address(address: str) -> str:
    if not isinstance(address, str) or not is_address(address):
        raise InvalidInput(f"{address!r} is not an Ethereum address", "address")
    return to_checksum_address(address)


def grant_auditor(ctx: Context, address: str, *, by: str) -> bool:
    """Makes `address` an auditor; False when it already was one."""
    address, by = _auditor_address(address), _platform_admin(ctx, by)
    with ctx.session() as s:
        if s.scalar(select(DappAuditor.id).where(DappAuditor.address == address,
                                                 DappAuditor.revoked_at.is_(None))) is not None:
            return False
        s.add(DappAuditor(address=address, granted_by=by))
    return True


def revoke_auditor(ctx: Context, address: str, *, by: str) -> bool:
    """Ends `address`'s auditor role; False when it held none."""
    address, by = _auditor_address(address), _platform_admin(ctx, by)
    with ctx.session() as s:
        done = s.execute(update(DappAuditor).where(DappAuditor.address == address, DappAuditor.revoked_at.is_(None))
                         .values(revoked_at=func.now(), revoked_by=by).returning(DappAuditor.id)).first()
    return done is not None

"""Auditors: granted and revoked by a Platform Admin, kept in the database (table dapp_auditors).

Why not on-chain: an auditor reads personal data (take-out files) that lives only in the oracle's database,
and no contract checks or needs the role; adding one would change and redeploy every contract for a
permission that only this backend enforces. Who may grant it still comes from the chain: the granting
address must hold PLATFORM_ADMIN on the factory at the time of the grant, and each grant and revocation
keeps who made it and when: a grant is a row (address, granted_by, granted_at); a revocation fills its
revoked_by and revoked_at, and the row stays as the record (a later grant is a new row).
"""

from __future__ import annotations

from eth_utils import keccak, to_checksum_address
from sqlalchemy import func, select, update

from dapp_backend.services.errors import Forbidden, InvalidInput
from dapp_backend.services.pagination import paginate
from oracle.context import Context
from oracle.db.schema import DappAuditor
from oracle.instants import iso
from oracle.members import ZERO_ADDRESS, wallet_problem

_PLATFORM_ADMIN = keccak(text="PLATFORM_ADMIN")


def is_auditor(ctx: Context, address: str) -> bool:
    with ctx.session() as s:
        return (
            s.scalar(
                select(DappAuditor.id).where(
                    DappAuditor.address == to_checksum_address(address), DappAuditor.revoked_at.is_(None)
                )
            )
            is not None
        )


def _platform_admin(ctx: Context, by: str) -> str:
    by = to_checksum_address(by)
    chain = ctx.chain
    if not chain.call(chain.factory.functions.hasRole(_PLATFORM_ADMIN, by)):
        raise Forbidden(f"{by} is not a Platform Admin: only a Platform Admin grants or revokes auditors")
    return by


def _auditor_address(address: str) -> str:
    """A person's address: well-formed (a mixed-case one with the right EIP-55 checksum), not the zero address."""
    problem = wallet_problem(address) if isinstance(address, str) else f"{address!r} is not an Ethereum address"
    if problem:
        raise InvalidInput(problem, "address")
    if to_checksum_address(address) == ZERO_ADDRESS:
        raise InvalidInput("the zero address cannot be an auditor: nobody holds its key", "address")
    return to_checksum_address(address)


def grant_auditor(ctx: Context, address: str, *, by: str) -> bool:
    """Makes `address` an auditor; False when it already was one."""
    address, by = _auditor_address(address), _platform_admin(ctx, by)
    with ctx.session() as s:
        if (
            s.scalar(select(DappAuditor.id).where(DappAuditor.address == address, DappAuditor.revoked_at.is_(None)))
            is not None
        ):
            return False
        s.add(DappAuditor(address=address, granted_by=by))
    return True


def revoke_auditor(ctx: Context, address: str, *, by: str) -> bool:
    """Ends `address`'s auditor role; False when it held none."""
    address, by = _auditor_address(address), _platform_admin(ctx, by)
    with ctx.session() as s:
        done = s.execute(
            update(DappAuditor)
            .where(DappAuditor.address == address, DappAuditor.revoked_at.is_(None))
            .values(revoked_at=func.now(), revoked_by=by)
            .returning(DappAuditor.id)
        ).first()
    return done is not None


def _entry(row: DappAuditor) -> dict:
    return {"address": row.address, "grantedBy": row.granted_by, "grantedAt": iso(row.granted_at)}


def current_auditor(ctx: Context, address: str) -> dict | None:
    """The current grant of `address` (address, grantedBy, grantedAt), None when it is no auditor."""
    address = _auditor_address(address)
    with ctx.session() as s:
        row = s.scalar(select(DappAuditor).where(DappAuditor.address == address, DappAuditor.revoked_at.is_(None)))
        return None if row is None else _entry(row)


def list_auditors(ctx: Context, query_args: dict) -> dict:
    """One page of the current auditors, earliest grant first."""
    current = DappAuditor.revoked_at.is_(None)
    with ctx.session() as s:
        total = s.scalar(select(func.count()).select_from(DappAuditor).where(current))
        offset, limit, envelope = paginate(query_args, total)
        rows = s.scalars(
            select(DappAuditor)
            .where(current)
            .order_by(DappAuditor.granted_at, DappAuditor.id)
            .offset(offset)
            .limit(limit)
        )
        return {**envelope, "items": [_entry(row) for row in rows]}

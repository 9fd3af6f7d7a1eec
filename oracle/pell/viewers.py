"""Who may see reserved PELL-IP data (pell_viewers): accounts of a municipality and regional administrators.
Granting twice changes nothing; revoking deletes the row (the dApp reads the table as it stands)."""

from __future__ import annotations

from eth_utils import is_address, to_checksum_address
from sqlalchemy import delete, select

from oracle.db.schema import PellMunicipality, PellViewer
from oracle.errors import OracleError
from oracle.pell import data


def checked_address(text: str) -> str:
    if not is_address(text or ""):
        raise OracleError(f"{text!r} is not an account address (0x and 40 hex digits)")
    return to_checksum_address(text)


def _scope(s, municipality_code: str | None, region: str | None) -> tuple[int | None, str | None, str]:
    if (municipality_code is None) == (region is None):
        raise OracleError("give either --municipality CODE or --region NAME")
    if municipality_code is not None:
        m = data.municipality_by_code(s, municipality_code)
        return m.id, None, f"an account of {m.name} ({m.istat_code})"
    known = s.scalar(select(PellMunicipality.region).where(PellMunicipality.region == region).limit(1))
    if known is None:
        raise OracleError(f"no municipality of region {region!r} is known")
    return None, region, f"an administrator of the region {region}"


def grant(
    ctx, address: str, *, municipality_code: str | None = None, region: str | None = None, by: str | None = None
) -> str:
    address = checked_address(address)
    with ctx.session() as s:
        municipality_id, region, what = _scope(s, municipality_code, region)
        existing = s.scalar(
            select(PellViewer).where(
                PellViewer.address == address,
                PellViewer.municipality_id == municipality_id
                if municipality_id is not None
                else PellViewer.region == region,
            )
        )
        if existing is not None:
            return f"{address} already is {what}"
        s.add(PellViewer(address=address, municipality_id=municipality_id, region=region, granted_by=by))
    return f"{address} is now {what}: it may see that reserved data"


def revoke(ctx, address: str, *, municipality_code: str | None = None, region: str | None = None) -> str:
    address = checked_address(address)
    with ctx.session() as s:
        municipality_id, region, what = _scope(s, municipality_code, region)
        scope = (
            PellViewer.municipality_id == municipality_id
            if municipality_id is not None
            else PellViewer.region == region
        )
        gone = s.execute(delete(PellViewer).where(PellViewer.address == address, scope)).rowcount
    return f"{address} is no longer {what}" if gone else f"{address} was not {what}: nothing to revoke"

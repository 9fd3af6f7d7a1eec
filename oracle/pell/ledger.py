"""pell_certifications: the database's copy of the chain's certifications (the chain is the truth; a
certification the database misses — a crash after mining, a restored database — is adopted from the chain)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from oracle.db.schema import PellCertification, PellMunicipality, PellPlant
from oracle.pell.chain import OnChainCertification, certification_event, certifications
from oracle.pell.months import month_of_number


def known(s, ids) -> dict[int, PellCertification]:
    ids = [i for i in ids if i]
    if not ids:
        return {}
    rows = s.scalars(select(PellCertification).where(PellCertification.certification_id.in_(ids)))
    return {row.certification_id: row for row in rows}


def record(
    s, cert: OnChainCertification, tx_hash: str, block_number: int, *, canonical_record: str | None = None
) -> PellCertification | None:
    """Stores a certification unless it already is; None when its municipality or plant is unknown here."""
    existing = known(s, [cert.id]).get(cert.id)
    if existing is not None:
        return existing
    municipality = s.scalar(select(PellMunicipality).where(PellMunicipality.istat_code == cert.municipality_code))
    if municipality is None:
        return None
    plant_id = None
    if cert.kind == "static":
        plant_id = s.scalar(
            select(PellPlant.id).where(
                PellPlant.municipality_id == municipality.id, PellPlant.plant_code == cert.plant_id
            )
        )
        if plant_id is None:
            return None
    row = PellCertification(
        certification_id=cert.id,
        kind=cert.kind,
        municipality_id=municipality.id,
        plant_id=plant_id,
        month=month_of_number(cert.month) if cert.kind == "monthly" else None,
        dataset_hash=cert.dataset_hash,
        consumption_wh=Decimal(cert.consumption_wh) if cert.kind == "monthly" else None,
        measurements=cert.measurements if cert.kind == "monthly" else None,
        schema_version=cert.schema_version if cert.kind == "static" else None,
        previous_certification_id=cert.previous_id or None,
        submitter=cert.submitter,
        tx_hash=tx_hash,
        block_number=block_number,
        certified_at=cert.certified_at,
        canonical_record=canonical_record,
    )
    s.add(row)
    s.flush()
    return row


def adopt(ctx, s, ids) -> dict[int, OnChainCertification]:
    """Reads the certifications `ids` from the chain and stores those the database misses (their transaction
    found in the contract's events). Returns every one read, by id."""
    on_chain = certifications(ctx, ids)
    have = known(s, on_chain)
    for cert_id, cert in on_chain.items():
        if cert_id not in have:
            found = certification_event(ctx, cert)
            if found is not None:
                record(s, cert, *found)
    return on_chain

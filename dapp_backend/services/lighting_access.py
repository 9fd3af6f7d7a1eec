"""Who sees which PELL-IP public-lighting datasets (tables pell_municipalities and pell_viewers).

An open municipality's data (plants, consumption, certifications) is everyone's, also without signing in and
through the open-data endpoint. A reserved municipality's data is seen only by the accounts of that
municipality (a pell_viewers row with its municipality_id) and the regional administrators of its region (a
row with its region). For anyone else a reserved municipality does not exist: its routes answer 404 exactly
as for an unknown ISTAT code, and lists and sums leave it out, so its existence does not leak either.

Viewers are read from the database on each request (no chain role is involved): revoking a row ends the
access at the next request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import false, func, or_, select

from oracle.context import Context
from oracle.db.schema import PellMunicipality, PellViewer


@dataclass(frozen=True)
class LightingReader:
    """The reserved municipalities (ids) and regions an address may see; nobody's sets are empty."""

    address: str | None = None
    municipality_ids: frozenset[int] = field(default_factory=frozenset)
    regions: frozenset[str] = field(default_factory=frozenset)

    def may_see(self, municipality: PellMunicipality) -> bool:
        return (
            not municipality.reserved or municipality.id in self.municipality_ids or municipality.region in self.regions
        )

    def visible(self):
        """The SQL condition on PellMunicipality matching what this reader may see."""
        return or_(
            PellMunicipality.reserved.is_(False),
            PellMunicipality.id.in_(self.municipality_ids) if self.municipality_ids else false(),
            PellMunicipality.region.in_(self.regions) if self.regions else false(),
        )


ANONYMOUS = LightingReader()


def lighting_reader(ctx: Context, address: str | None) -> LightingReader:
    """What `address` (None: not signed in) may see of the reserved datasets."""
    if address is None:
        return ANONYMOUS
    with ctx.session() as s:
        rows = s.execute(
            select(PellViewer.municipality_id, PellViewer.region).where(
                func.lower(PellViewer.address) == address.lower()
            )
        ).all()
    return LightingReader(
        address,
        frozenset(r.municipality_id for r in rows if r.municipality_id is not None),
        frozenset(r.region for r in rows if r.region is not None),
    )

"""`oracle pell import --format csv|urbandataset FILE`: a file read whole, checked record by record, then
stored in one transaction — a bad record refuses the file (naming file, line and field) and stores nothing.

On the embedded setup a municipalities file also makes and authorizes each municipality's submitter key.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from oracle.errors import OracleError
from oracle.pell.records import ParsedFile
from oracle.pell.store import ImportSummary, store

FORMATS = ("csv", "urbandataset")


def parse(path: Path, fmt: str, now: datetime, municipality: str | None = None) -> ParsedFile:
    if fmt == "csv":
        from oracle.pell.csv_import import read_csv

        return read_csv(path, now)
    if fmt == "urbandataset":
        from oracle.pell.urbandataset import read_urbandataset

        return read_urbandataset(path, now, municipality)
    raise OracleError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")


def import_file(
    ctx, path: Path, fmt: str = "csv", *, municipality: str | None = None, now: datetime | None = None
) -> ImportSummary:
    parsed = parse(Path(path), fmt, now or datetime.now(UTC), municipality)
    with ctx.session() as s:
        summary = store(s, parsed)
    if parsed.municipalities and not ctx.settings.production:
        from oracle.pell.keys import create_submitter

        for row in parsed.municipalities:
            create_submitter(ctx, row.istat_code)
    return summary

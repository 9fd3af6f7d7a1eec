"""``parse_file``: read, validate and parse one file of meter readings in one of FORMATS."""

from __future__ import annotations

from pathlib import Path

from .core import FORMATS, ParsedFile
from .csv_format import parse_csv
from .ec_csv import parse_ec_csv
from .source import read_bytes
from .urbandataset import parse_urbandataset


def parse_file(path: str | Path, fmt: str = "csv", **options) -> ParsedFile:
    """Parse ``path`` (plain or gzip-compressed) as ``fmt``.

    Raises ValueError for an unknown format (or options the format does not take) and
    IngestFileError when the whole file must be rejected. Per-line problems are in
    ``ParsedFile.anomalies``; ``ParsedFile.readings`` holds the rows that could be read (raw:
    duplicates, unknown devices, off-grid times… are left to :func:`clean_readings`).

    Options: ec-csv takes ``user_prefix`` (default "user") and ``pv_prefix`` (default "pv"),
    the device ids of users/PV models when the file has no IDn/IDPV rows.
    """
    key = str(fmt).strip().lower()
    if key not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    allowed = {"ec-csv": {"user_prefix", "pv_prefix"}}.get(key, set())
    unexpected = set(options) - allowed
    if unexpected:
        raise ValueError(f"format {key!r} takes no option(s) {sorted(unexpected)}")
    data = read_bytes(path, one_document=key == "urbandataset")
    if key == "csv":
        return parse_csv(path, data)
    if key == "ec-csv":
        return parse_ec_csv(path, data, **options)
    return parse_urbandataset(path, data)

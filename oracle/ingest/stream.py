"""A file's parsed readings as a stream of chunks: csv is read and parsed chunk by chunk (memory holds one
chunk); ec-csv and UrbanDataset documents are parsed whole (their size is bounded: an UrbanDataset by
MAX_DOCUMENT_BYTES, an ec-csv file by its matrices, a few years of a community at most) and their readings
handed on in chunks, so that cleaning and loading stay bounded for every format."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .core import ParsedFile
from .csv_format import iter_csv_chunks
from .parsing import parse_file


def iter_parsed_chunks(path: str | Path, fmt: str, rows_per_chunk: int | None) -> Iterator[ParsedFile]:
    """ParsedFiles whose readings together are those of ``parse_file(path, fmt)``, in file order, and whose
    anomalies together are its anomalies (in order). ``rows_per_chunk`` None: one chunk, the whole file."""
    if rows_per_chunk is not None and fmt == "csv":
        yield from iter_csv_chunks(path, rows_per_chunk)
        return
    parsed = parse_file(path, fmt)
    if rows_per_chunk is None or len(parsed.readings) <= rows_per_chunk:
        yield parsed
        return
    for first in range(0, len(parsed.readings), rows_per_chunk):
        readings = parsed.readings.iloc[first : first + rows_per_chunk].reset_index(drop=True)
        yield ParsedFile(parsed.path, parsed.format, readings, parsed.anomalies if first == 0 else [])

"""Clean readings as PostgreSQL binary COPY data, built with numpy (no Python loop per row).

Binary COPY spares the server parsing text and the client formatting it: a row is a field count, then per
field its length (-1 for NULL) and its big-endian value. Rows sharing a quality and the same empty optional
fields have the same layout, so each such group is one numpy structured array written out with ``tobytes``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .core import OPTIONAL_COLUMNS

READING_COPY_COLUMNS = ["device_id", "ts", "energy", *OPTIONAL_COLUMNS, "quality", "ingestion_id"]
SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"  # flags, header extension
TRAILER = b"\xff\xff"
POSTGRES_EPOCH_US = 946_684_800_000_000  # 2000-01-01T00:00:00Z in microseconds since 1970


def readings_copy_sql(table: str) -> str:
    return f"COPY {table} ({', '.join(READING_COPY_COLUMNS)}) FROM STDIN (FORMAT binary)"


def readings_binary(device_id: np.ndarray, clean: pd.DataFrame, ingestion_id: int) -> bytes:
    """One binary COPY stream (signature to trailer) of the clean rows, in READING_COPY_COLUMNS."""
    return SIGNATURE + readings_binary_rows(device_id, clean, ingestion_id) + TRAILER


def readings_binary_rows(device_id: np.ndarray, clean: pd.DataFrame, ingestion_id: int) -> bytes:
    """The rows alone (no signature, no trailer): streams of several chunks are concatenated."""
    ts_us = pd.DatetimeIndex(clean["ts"]).as_unit("ns").asi8 // 1000
    values = {c: clean[c].to_numpy(dtype=float) for c in OPTIONAL_COLUMNS}
    present = np.column_stack([~np.isnan(values[c]) for c in OPTIONAL_COLUMNS]) if len(clean) else np.zeros((0, 5))
    quality_code, qualities = pd.factorize(clean["quality"].to_numpy(dtype=object))
    key = quality_code.astype(np.int64) * 32 + (present.astype(np.int64) << np.arange(5)).sum(axis=1)
    parts = []
    for group in np.unique(key):
        rows = np.flatnonzero(key == group)
        mask = [bool(group >> i & 1) for i in range(5)]
        parts.append(
            _group_bytes(
                rows,
                device_id,
                ts_us - POSTGRES_EPOCH_US,
                clean["energy"].to_numpy(dtype=float),
                values,
                mask,
                str(qualities[group // 32]),
                ingestion_id,
            )
        )
    return b"".join(parts)


def _group_bytes(rows, device_id, ts_pg, energy, values, mask, quality: str, ingestion_id: int) -> bytes:
    """Rows of one layout: ``mask[i]`` says whether OPTIONAL_COLUMNS[i] has a value (else NULL)."""
    quality_bytes = quality.encode()
    fields = [
        ("count", ">i2"),
        ("l_dev", ">i4"),
        ("dev", ">i4"),
        ("l_ts", ">i4"),
        ("ts", ">i8"),
        ("l_energy", ">i4"),
        ("energy", ">f8"),
    ]
    for name, has in zip(OPTIONAL_COLUMNS, mask):
        fields += [(f"l_{name}", ">i4")] + ([(name, ">f8")] if has else [])
    fields += [("l_quality", ">i4"), ("quality", f"S{len(quality_bytes)}"), ("l_ing", ">i4"), ("ing", ">i4")]
    record = np.empty(len(rows), dtype=np.dtype(fields))
    record["count"] = len(READING_COPY_COLUMNS)
    record["l_dev"], record["dev"] = 4, device_id[rows]
    record["l_ts"], record["ts"] = 8, ts_pg[rows]
    record["l_energy"], record["energy"] = 8, energy[rows]
    for name, has in zip(OPTIONAL_COLUMNS, mask):
        record[f"l_{name}"] = 8 if has else -1
        if has:
            record[name] = values[name][rows]
    record["l_quality"], record["quality"] = len(quality_bytes), quality_bytes
    record["l_ing"], record["ing"] = 4, ingestion_id
    return record.tobytes()


LINE_COPY_COLUMNS = ["device_id", "ts", "line"]


def lines_copy_sql(table: str) -> str:
    return f"COPY {table} ({', '.join(LINE_COPY_COLUMNS)}) FROM STDIN (FORMAT binary)"


def lines_binary(device_id: np.ndarray, clean: pd.DataFrame) -> bytes:
    """The source line of each clean row that has one (rows the cleaner made up have none), as one binary
    COPY stream in LINE_COPY_COLUMNS."""
    has_line = clean["line"].notna().to_numpy()
    ts_us = pd.DatetimeIndex(clean["ts"]).as_unit("ns").asi8[has_line] // 1000
    fields = [("count", ">i2"), ("l_dev", ">i4"), ("dev", ">i4"), ("l_ts", ">i4"), ("ts", ">i8")]
    record = np.empty(int(has_line.sum()), dtype=np.dtype(fields + [("l_line", ">i4"), ("line", ">i4")]))
    record["count"] = len(LINE_COPY_COLUMNS)
    record["l_dev"], record["dev"] = 4, device_id[has_line]
    record["l_ts"], record["ts"] = 8, ts_us - POSTGRES_EPOCH_US
    record["l_line"], record["line"] = 4, clean["line"].to_numpy(dtype="int64", na_value=0)[has_line]
    return SIGNATURE + record.tobytes() + TRAILER

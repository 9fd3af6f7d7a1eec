"""The canonical serialization behind every data hash, and the migrations matching the models."""

import pandas as pd
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from eth_utils import keccak

from oracle.db.schema import Base
from oracle.epochs.canonical import (
    canonical_bytes,
    canonical_bytes_by_member,
    canonical_lines,
    data_hash,
    dataset_hash,
)


def test_canonical_form_is_sorted_utc_and_three_decimals():
    frame = pd.DataFrame(
        {
            "member": ["0xA", "0xA", "0xA", "0xB"],
            "device": ["M2", "M1", "M1", "PV"],
            "ts_s": [1_790_812_800, 1_790_813_700, 1_790_812_800, 1_790_812_800],  # 2026-10-01T00:00Z, 00:15Z
            "energy": [-0.0001, 1.23456, 100.0, -2.5],
        }
    )
    a = frame[frame.member == "0xA"]
    expected = (
        b"M1,2026-10-01T00:00:00Z,100.000\n"
        b"M1,2026-10-01T00:15:00Z,1.235\n"
        b"M2,2026-10-01T00:00:00Z,0.000\n"
    )  # negative zero written as 0.000
    assert canonical_bytes(canonical_lines(a)) == expected
    assert canonical_bytes_by_member(frame) == {"0xA": expected, "0xB": b"PV,2026-10-01T00:00:00Z,-2.500\n"}
    salt = bytes(range(32))
    assert data_hash(salt, expected) == keccak(salt + expected)


def test_dataset_hash_binds_every_member_in_address_order():
    h1, h2 = keccak(b"one"), keccak(b"two")
    a, b = "0x" + "11" * 20, "0x" + "22" * 20
    expected = keccak(bytes.fromhex("11" * 20) + h1 + bytes.fromhex("22" * 20) + h2)
    assert dataset_hash({b: h2, a: h1}) == expected
    assert dataset_hash({a: h2, b: h1}) != expected


def test_migrations_create_exactly_the_models(ctx):
    with ctx.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_canonical_order_is_text_order_for_categorical_columns_and_slices():
    frame = pd.DataFrame(
        {
            "member": ["0xB", "0xA", "0xA", "0xB"],
            "device": ["PV", "M2", "M1", "M0"],
            "ts_s": [1_790_812_800] * 4,
            "energy": [1.0, 2.0, 3.0, 4.0],
        }
    )
    plain = canonical_bytes_by_member(frame)
    assert plain["0xA"].startswith(b"M1,")
    # categories in reverse order, as a database may hand them back, and text built two rows at a time
    reordered = frame.astype(
        {"member": pd.CategoricalDtype(["0xB", "0xA"]), "device": pd.CategoricalDtype(["PV", "M2", "M1", "M0"])}
    )
    assert canonical_bytes_by_member(reordered, rows_per_slice=2) == plain
    assert canonical_bytes(canonical_lines(reordered[reordered.member == "0xB"])) == plain["0xB"]

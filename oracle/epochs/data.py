"""Reading the data of an epoch from PostgreSQL, frozen by the ingestion watermark.

Every reading carries the id of the ingestion that loaded it; an epoch records the highest id at
its `select` step, so later ingestions never change what an epoch (or its take-out) sees.
"""
from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
from sqlalchemy import func, select

from oracle.db.schema import Ingestion

READINGS_SQL = """
COPY (
  SELECT m.wallet, d.deviceid, extract(epoch FROM r.ts)::bigint AS ts_s, r.energy
  FROM counterreading r
  JOIN devices d ON d.id = r.device_id
  JOIN users_communities m ON m.id = d.membership_id
  WHERE m.community_id = {community} AND r.ts >= '{start}' AND r.ts < '{end}' AND r.ingestion_id <= {watermark}
  {member_filter}
) TO STDOUT (FORMAT csv)
"""


def ingestion_watermark(session, community_id: int) -> int:
    return session.scalar(select(func.coalesce(func.max(Ingestion.id), 0)).where(
        Ingestion.community_id == community_id, Ingestion.finished_at.is_not(None)))


def load_readings(engine, community_id: int, start: datetime, end: datetime, watermark: int,
                  wallet: str | None = None) -> pd.DataFrame:
    """Columns: member (wallet), device (deviceid), ts_s (Unix seconds, interval start), energy (Wh)."""
    member_filter = ""
    if wallet is not None:
        if not all(c in "0123456789abcdefABCDEFx" for c in wallet):
            raise ValueError("invalid wallet")
        member_filter = f"AND m.wallet = '{wallet}'"
    sql = READINGS_SQL.format(community=int(community_id), start=start.isoformat(), end=end.isoformat(),
                              watermark=int(watermark), member_filter=member_filter)
    buffer = io.BytesIO()
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur:
            with cur.copy(sql) as copy:
                for chunk in copy:
                    buffer.write(chunk)
    finally:
        raw.close()
    buffer.seek(0)
    if buffer.getbuffer().nbytes == 0:
        return pd.DataFrame({"member": pd.Series(dtype=str), "device": pd.Series(dtype=str),
                             "ts_s": pd.Series(dtype="int64"), "energy": pd.Series(dtype=float)})
    # categories: tens of millions of rows repeat a few thousand wallets and meter ids
    return pd.read_csv(buffer, header=None, names=["member", "device", "ts_s", "energy"],
                       dtype={"member": "category", "device": "category", "ts_s": "int64", "energy": float})


def to_model_frame(readings: pd.DataFrame) -> pd.DataFrame:
    """The reward models' input: member, device, ts (UTC), energy."""
    return pd.DataFrame({
        "member": readings["member"],
        "device": readings["device"],
        "ts": pd.to_datetime(readings["ts_s"].to_numpy(), unit="s", utc=True),
        "energy": readings["energy"].to_numpy(dtype=float),
    })

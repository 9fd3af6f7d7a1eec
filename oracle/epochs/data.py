"""Reading the data of an epoch from PostgreSQL, frozen by the ingestion watermark.

Every reading carries the id of the ingestion that loaded it; an epoch records the highest id at
its `select` step, so later ingestions never change what an epoch (or its take-out) sees. A correction
(`oracle ingest --correction`) replaces a stored reading and gives it the correcting ingestion's id; the
value it replaced is kept in `reading_corrections`. So the readings "as of watermark W" are the stored ones
loaded up to W, and, for a reading corrected after W, the value the first correction after W replaced
(when that value itself was loaded up to W). Both readers below return exactly that; they take the
slower corrections-aware query only when some reading of the community was corrected after W.

Two readers. `load_epoch_readings` is the epoch's: the database groups the readings by meter and sorts
each meter's by time (`array_agg(... ORDER BY ts)`), a binary COPY brings one message per meter (not one
per reading: a message costs microseconds in the driver) and numpy reads the arrays without parsing text;
the meters are read by two connections at once (two PostgreSQL backends work in parallel). The result,
`EpochReadings`, holds numbers only: 12 bytes per reading, meters in canonical order. `load_readings`
(a DataFrame with wallets and meter ids as text) serves the take-out of one member and the dApp.
"""

from __future__ import annotations

import ctypes
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from oracle.db.schema import Device, Ingestion, Membership

# the value a reading had at watermark W when it was corrected after W: the first later correction's old value
AS_OF_JOIN = """
  LEFT JOIN LATERAL (
    SELECT c.old_energy, c.old_ingestion_id FROM reading_corrections c
    WHERE c.device_id = r.device_id AND c.ts = r.ts AND c.ingestion_id > {watermark}
    ORDER BY c.ingestion_id LIMIT 1
  ) was ON r.ingestion_id > {watermark}"""
AS_OF_WHERE = "(r.ingestion_id <= {watermark} OR was.old_ingestion_id <= {watermark})"
READINGS_SQL = """
COPY (
  SELECT m.wallet, d.deviceid, extract(epoch FROM r.ts)::bigint AS ts_s, {energy}
  FROM counterreading r
  JOIN devices d ON d.id = r.device_id
  JOIN users_communities m ON m.id = d.membership_id {as_of_join}
  WHERE m.community_id = {community} AND r.ts >= '{start}' AND r.ts < '{end}' AND {frozen}
  {member_filter}
) TO STDOUT (FORMAT csv)
"""
CORRECTED_AFTER_SQL = """
  SELECT EXISTS (
    SELECT 1 FROM reading_corrections c JOIN ingestions i ON i.id = c.ingestion_id
    WHERE i.community_id = %s AND c.ingestion_id > %s
  )"""


def corrected_after(raw_connection, community_id: int, watermark: int) -> bool:
    """Whether a reading of the community was corrected by an ingestion after `watermark`."""
    with raw_connection.cursor() as cur:
        return bool(cur.execute(CORRECTED_AFTER_SQL, (int(community_id), int(watermark))).fetchone()[0])


def _frozen_parts(as_of: bool, watermark: int) -> dict[str, str]:
    """The SQL pieces reading `r.energy` as of the watermark (corrections-aware when `as_of`)."""
    if not as_of:
        return {"energy": "r.energy", "as_of_join": "", "frozen": f"r.ingestion_id <= {int(watermark)}"}
    return {
        "energy": "COALESCE(was.old_energy, r.energy)",
        "as_of_join": AS_OF_JOIN.format(watermark=int(watermark)),
        "frozen": AS_OF_WHERE.format(watermark=int(watermark)),
    }


def ingestion_watermark(session, community_id: int) -> int:
    return session.scalar(
        select(func.coalesce(func.max(Ingestion.id), 0)).where(
            Ingestion.community_id == community_id, Ingestion.finished_at.is_not(None)
        )
    )


def load_readings(
    engine, community_id: int, start: datetime, end: datetime, watermark: int, wallet: str | None = None
) -> pd.DataFrame:
    """Columns: member (wallet), device (deviceid), ts_s (Unix seconds, interval start), energy (Wh)."""
    member_filter = ""
    if wallet is not None:
        if not all(c in "0123456789abcdefABCDEFx" for c in wallet):
            raise ValueError("invalid wallet")
        member_filter = f"AND m.wallet = '{wallet}'"
    buffer = io.BytesIO()
    raw = engine.raw_connection()
    try:
        sql = READINGS_SQL.format(
            community=int(community_id),
            start=start.isoformat(),
            end=end.isoformat(),
            member_filter=member_filter,
            **_frozen_parts(corrected_after(raw, community_id, watermark), watermark),
        )
        with raw.cursor() as cur, cur.copy(sql) as copy:
            for chunk in copy:
                buffer.write(chunk)
    finally:
        raw.close()
    buffer.seek(0)
    if buffer.getbuffer().nbytes == 0:
        return pd.DataFrame(
            {
                "member": pd.Series(dtype=str),
                "device": pd.Series(dtype=str),
                "ts_s": pd.Series(dtype="int64"),
                "energy": pd.Series(dtype=float),
            }
        )
    # categories: tens of millions of rows repeat a few thousand wallets and meter ids
    return pd.read_csv(
        buffer,
        header=None,
        names=["member", "device", "ts_s", "energy"],
        dtype={"member": "category", "device": "category", "ts_s": "int64", "energy": float},
    )


def to_model_frame(readings: pd.DataFrame) -> pd.DataFrame:
    """The reward models' input: member, device, ts (UTC), energy."""
    return pd.DataFrame(
        {
            "member": readings["member"],
            "device": readings["device"],
            "ts": pd.to_datetime(readings["ts_s"].to_numpy(), unit="s", utc=True),
            "energy": readings["energy"].to_numpy(dtype=float),
        }
    )


# --------------------------------------------------------------------------- the epoch's reader

# one row per meter: its readings' times and energies as two arrays in time order (the key (device_id, ts)
# gives that order); the period's bounds on ts let PostgreSQL read only the period's monthly partitions
READINGS_BY_DEVICE_SELECT = """
  SELECT r.device_id, array_agg(r.ts ORDER BY r.ts), array_agg({energy} ORDER BY r.ts)
  FROM counterreading r {as_of_join}
  WHERE r.device_id = ANY(%s) AND r.ts >= %s AND r.ts < %s AND {frozen}
  GROUP BY r.device_id
"""


def readings_by_device_select(as_of: bool, watermark: int) -> str:
    """The per-meter query (parameters: meter ids, start, end) frozen at `watermark`."""
    return READINGS_BY_DEVICE_SELECT.format(**_frozen_parts(as_of, watermark))


def readings_by_device_sql(as_of: bool, watermark: int) -> str:
    return f"COPY ({readings_by_device_select(as_of, watermark)}) TO STDOUT (FORMAT binary)"


PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # binary timestamptz: microseconds since this instant
BINARY_HEADER = 19  # PGCOPY signature, flags, header extension length
CONNECTIONS = 2
QUARTER_HOUR = 900  # seconds
_ELEMENT = {
    "ts": np.dtype([("length", ">i4"), ("value", ">i8")]),
    "energy": np.dtype([("length", ">i4"), ("value", ">f8")]),
}


@dataclass
class EpochReadings:
    """An epoch's readings as arrays. Meter k (code k, in canonical order: by wallet, then meter id in text
    order) holds rows bounds[k]:bounds[k+1], sorted by time; a member's meters are consecutive. A reading's
    time = origin (the data start) + 15 minutes x interval + second (None: every reading on the grid)."""

    origin: datetime
    wallets: list[str]  # member code -> wallet
    device_ids: list[str]  # meter code -> meter id
    device_member: np.ndarray  # meter code -> member code (int64)
    bounds: np.ndarray  # int64, n_meters + 1
    interval: np.ndarray  # int32 per reading
    energy: np.ndarray  # float64 per reading
    second: np.ndarray | None = None  # int16 per reading, seconds past its quarter-hour's start

    def __len__(self) -> int:
        return int(self.bounds[-1])

    def member_bounds(self) -> np.ndarray:
        """Rows of member j: member_bounds()[j]:member_bounds()[j + 1]."""
        first_device = np.searchsorted(self.device_member, np.arange(len(self.wallets) + 1))
        return self.bounds[first_device]

    def row_devices(self) -> np.ndarray:
        """Meter code of every reading (int32)."""
        return np.repeat(np.arange(len(self.device_ids), dtype=np.int32), np.diff(self.bounds))

    def reading_counts(self) -> dict[str, int]:
        return dict(zip(self.wallets, np.diff(self.member_bounds()).tolist()))

    def ts_seconds(self, lo: int, hi: int) -> np.ndarray:
        """Unix seconds (int64) of rows lo:hi."""
        seconds = self.interval[lo:hi].astype(np.int64) * QUARTER_HOUR + int(self.origin.timestamp())
        if self.second is not None:
            seconds += self.second[lo:hi]
        return seconds


def community_devices(session, community_id: int) -> list[tuple[int, str, str]]:
    """(database id, meter id, wallet) of the community's meters, in canonical order (wallet, meter id)."""
    rows = session.execute(
        select(Device.id, Device.deviceid, Membership.wallet)
        .join(Membership, Membership.id == Device.membership_id)
        .where(Membership.community_id == community_id)
    ).all()
    return sorted(rows, key=lambda row: (row[2], row[1]))


def load_epoch_readings(
    engine, session, community_id: int, start: datetime, end: datetime, watermark: int
) -> EpochReadings:
    """The community's readings in [start, end) loaded by ingestions up to `watermark` (see the module doc)."""
    devices = community_devices(session, community_id)
    parts = [[row[0] for row in devices[k::CONNECTIONS]] for k in range(CONNECTIONS)]
    raw = engine.raw_connection()
    try:
        sql = readings_by_device_sql(corrected_after(raw, community_id, watermark), watermark)
    finally:
        raw.close()
    with ThreadPoolExecutor(CONNECTIONS) as pool:
        arrays: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for part in pool.map(lambda ids: _copy_devices(engine, sql, ids, start, end, start), parts):
            arrays.update(part)
    return _assemble(devices, arrays, start)


def _copy_devices(
    engine, sql: str, device_ids: list[int], start, end, origin: datetime
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """{database meter id: (offset_s int32, energy float64)} read by one binary COPY on its own connection."""
    result: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    if not device_ids:
        return result
    origin_us = (origin - PG_EPOCH) // pd.Timedelta(microseconds=1)
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur:
            with cur.copy(sql, (device_ids, start, end)) as copy:
                first = True
                for message in copy:
                    row = memoryview(message)[BINARY_HEADER if first else 0 :]
                    first = False
                    if len(row) > 2:  # the last message is the trailer alone
                        device_id, ts_us, energy = _parse_row(row)
                        result[device_id] = (_whole_seconds(ts_us - origin_us), energy)
    finally:
        raw.close()
    return result


def _parse_row(row: memoryview) -> tuple[int, np.ndarray, np.ndarray]:
    """(meter id, timestamps in microseconds, energies) of one binary row: int4 and two 1-D arrays."""
    device_id = int.from_bytes(row[6:10], "big", signed=True)
    at = 10
    columns = []
    for kind in ("ts", "energy"):
        length = int.from_bytes(row[at : at + 4], "big", signed=True)
        array = row[at + 4 : at + 4 + length]
        count = int.from_bytes(array[12:16], "big") if int.from_bytes(array[0:4], "big") else 0
        elements = np.frombuffer(array, dtype=_ELEMENT[kind], count=count, offset=20 if count else 0)
        if count and int.from_bytes(array[4:8], "big"):
            raise ValueError("a NULL reading in the readings table")  # the columns are NOT NULL
        columns.append(elements["value"].astype(np.int64 if kind == "ts" else np.float64))
        at += 4 + length
    return device_id, columns[0], columns[1]


def _whole_seconds(offset_us: np.ndarray) -> np.ndarray:
    """Seconds (int32) from microseconds; the loader stores whole seconds, anything else is rounded as
    PostgreSQL's extract(epoch)::bigint of the take-out's reader does (half away from zero)."""
    seconds, rest = np.divmod(offset_us, 1_000_000)
    if rest.any():
        seconds = np.where(offset_us >= 0, seconds + (rest >= 500_000), seconds + (rest > 500_000))
    return seconds.astype(np.int32)


def _assemble(devices: list[tuple[int, str, str]], arrays: dict, origin: datetime) -> EpochReadings:
    """One array per column, meters in canonical order; each meter's arrays are freed once copied."""
    counts = np.array([len(arrays[d[0]][0]) if d[0] in arrays else 0 for d in devices], dtype=np.int64)
    bounds = np.concatenate(([0], np.cumsum(counts)))
    interval = np.empty(int(bounds[-1]), dtype=np.int32)
    energy = np.empty(int(bounds[-1]), dtype=np.float64)
    second = None
    for k, (device_id, _, _) in enumerate(devices):
        if device_id not in arrays:
            continue
        rows = slice(bounds[k], bounds[k + 1])
        offset_s, energy[rows] = arrays.pop(device_id)
        interval[rows], past = np.divmod(offset_s, QUARTER_HOUR)
        if past.any():
            second = np.zeros(len(interval), dtype=np.int16) if second is None else second
            second[rows] = past
    _return_freed_memory()
    wallets = sorted({d[2] for d in devices})
    code = {w: j for j, w in enumerate(wallets)}
    return EpochReadings(
        origin=origin,
        wallets=wallets,
        device_ids=[d[1] for d in devices],
        device_member=np.array([code[d[2]] for d in devices], dtype=np.int64),
        bounds=bounds,
        interval=interval,
        energy=energy,
        second=second,
    )


def _return_freed_memory() -> None:
    """The meters' arrays (thousands of small blocks) are freed, but glibc keeps such memory for reuse:
    give it back before the models take their share (a few hundred MB at 10,000 members)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def epoch_readings_from_frame(frame: pd.DataFrame, origin: datetime) -> EpochReadings:
    """EpochReadings of readings held in memory: columns member (wallet), device (meter id), ts_s (Unix
    seconds) and energy (Wh), the columns load_readings gives; a meter belongs to one member."""
    members = frame["member"].astype(str).to_numpy()
    meters = frame["device"].astype(str).to_numpy()
    devices = sorted({(meter, member) for member, meter in zip(members, meters)}, key=lambda d: (d[1], d[0]))
    origin_s = int(origin.timestamp())
    arrays = {}
    for k, (meter, _) in enumerate(devices):
        rows = frame[meters == meter].sort_values("ts_s", kind="mergesort")
        arrays[k] = (
            (rows["ts_s"].to_numpy(dtype=np.int64) - origin_s).astype(np.int32),
            rows["energy"].to_numpy(dtype=np.float64),
        )
    return _assemble([(k, meter, member) for k, (meter, member) in enumerate(devices)], arrays, origin)

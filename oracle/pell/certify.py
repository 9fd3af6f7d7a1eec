"""`oracle pell certify`: every plant's static record that is new or changed since its latest certification,
and every complete month of each municipality whose consumption is not certified as it stands, certified on
LightingCertification with the municipality's submitter key.

What is due is decided against the chain (its latest certification of each item), so a re-run certifies
nothing twice. Crash-safe: every transaction is recorded (chain_transactions) before its receipt is awaited;
the next run first finishes those (the receipt recorded as a pell_certifications row, never a second send),
and a certification the chain has but the database misses is adopted from the chain's events.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from eth_utils import keccak
from sqlalchemy import select
from tqdm import tqdm

from oracle.chain.client import TransactionFailed
from oracle.chain.transactions import record_dropped, record_receipts, send_recorded
from oracle.db.schema import ChainTransaction, PellCertification
from oracle.errors import OracleError
from oracle.pell import data, ledger
from oracle.pell.canonical import SCHEMA_VERSION, static_record_bytes
from oracle.pell.chain import certification_from_receipt, latest_monthly_ids, latest_static_ids, lighting
from oracle.pell.keys import ensure_submitter
from oracle.pell.lock import certification_lock
from oracle.pell.months import is_complete, month_number, month_text, parse_month

TX_KINDS = {"static": "pell_static", "monthly": "pell_monthly"}


@dataclass(frozen=True)
class Item:
    """One thing to certify: a plant's static record or a municipality's month."""

    kind: str
    municipality_code: str
    plant_code: str | None
    month: date | None
    dataset_hash: bytes
    consumption_wh: int = 0
    measurements: int = 0
    canonical: str | None = None  # the static record's canonical text

    @property
    def label(self) -> str:
        if self.kind == "static":
            return f"plant {self.plant_code} of {self.municipality_code}"
        return f"{self.municipality_code} {month_text(self.month)} ({self.consumption_wh / 1000:.3f} kWh)"


@dataclass
class CertifySummary:
    certified: list[tuple[Item, int]] = field(default_factory=list)  # (item, certification id)
    up_to_date: int = 0
    resumed: int = 0

    def sentence(self) -> str:
        static = sum(1 for item, _ in self.certified if item.kind == "static")
        return (
            f"{static} static records and {len(self.certified) - static} months certified, "
            f"{self.up_to_date} already certified as they stand"
            + (f", {self.resumed} interrupted certifications recorded" if self.resumed else "")
        )


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def certify(
    ctx,
    municipality_code: str | None = None,
    month: str | None = None,
    *,
    now: datetime | None = None,
    progress: bool = True,
    log: Callable[[str], None] = _say,
    after_sent: Callable[[str], None] | None = None,
) -> CertifySummary:
    with certification_lock(ctx):
        return _certify(ctx, municipality_code, month, now or datetime.now(UTC), progress, log, after_sent)


def _certify(ctx, municipality_code, month, now, progress, log, after_sent) -> CertifySummary:
    summary = CertifySummary(resumed=resume_pending(ctx, log))
    items = plan(ctx, municipality_code, month, now)
    todo = due(ctx, items)
    summary.up_to_date = len(items) - len(todo)
    roles: dict[str, str] = {}  # municipality code -> its submitter's keyring role, checked once a run
    for item in tqdm(todo, desc="certifying", unit="record", disable=not progress or not todo, file=sys.stderr):
        if item.municipality_code not in roles:
            roles[item.municipality_code] = ensure_submitter(ctx, item.municipality_code)
        summary.certified.append((item, certify_item(ctx, item, roles[item.municipality_code], after_sent)))
    return summary


def plan(ctx, municipality_code: str | None, month: str | None, now: datetime) -> list[Item]:
    wanted = None
    if month is not None:
        try:
            wanted = parse_month(month)
        except ValueError as exc:
            raise OracleError(str(exc)) from None
        if not is_complete(wanted, now):
            raise OracleError(f"{month} is not over yet: a month is certified once it is over")
    items: list[Item] = []
    with ctx.session() as s:
        for municipality in data.municipalities(s, municipality_code):
            if wanted is None:
                for plant in data.plants(s, municipality):
                    canonical = static_record_bytes(data.static_record(s, municipality, plant))
                    items.append(
                        Item(
                            "static",
                            municipality.istat_code,
                            plant.plant_code,
                            None,
                            keccak(canonical),
                            canonical=canonical.decode("utf-8"),
                        )
                    )
            for m in [wanted] if wanted is not None else data.months_with_data(s, municipality, now):
                dataset = data.month_dataset(s, municipality, m)
                if dataset.measurements:
                    items.append(
                        Item(
                            "monthly",
                            municipality.istat_code,
                            None,
                            m,
                            dataset.dataset_hash,
                            dataset.consumption_wh,
                            dataset.measurements,
                        )
                    )
    return items


def due(ctx, items: list[Item]) -> list[Item]:
    """The items whose latest certification on the chain does not certify them as they stand."""
    statics = [i for i in items if i.kind == "static"]
    monthlies = [i for i in items if i.kind == "monthly"]
    static_ids = latest_static_ids(ctx, [(i.municipality_code, i.plant_code) for i in statics])
    monthly_ids = latest_monthly_ids(ctx, [(i.municipality_code, month_number(i.month)) for i in monthlies])
    with ctx.session() as s:
        on_chain = ledger.adopt(ctx, s, [*static_ids, *monthly_ids])
    todo = [i for i, cid in zip(statics, static_ids) if cid == 0 or on_chain[cid].dataset_hash != i.dataset_hash]
    todo += [i for i, cid in zip(monthlies, monthly_ids) if cid == 0 or not _same_month(i, on_chain[cid])]
    return todo


def _same_month(item: Item, cert) -> bool:
    return (item.dataset_hash, item.consumption_wh, item.measurements) == (
        cert.dataset_hash,
        cert.consumption_wh,
        cert.measurements,
    )


def certify_item(ctx, item: Item, role: str, after_sent: Callable[[str], None] | None = None) -> int | None:
    """Sends one certification signed by `role` and records it; returns its certification id."""
    contract = lighting(ctx)
    if item.kind == "static":
        fn = contract.functions.certifyStatic(
            item.municipality_code, item.plant_code, item.dataset_hash, SCHEMA_VERSION
        )
    else:
        fn = contract.functions.certifyMonthly(
            item.municipality_code, month_number(item.month), item.consumption_wh, item.measurements, item.dataset_hash
        )
    detail = {
        "municipality": item.municipality_code,
        "plant": item.plant_code,
        "month": month_text(item.month) if item.month else None,
        "datasetHash": "0x" + item.dataset_hash.hex(),
        "canonical": item.canonical,
    }
    receipt = send_recorded(
        ctx, fn, role, TX_KINDS[item.kind], what=f"certify {item.label}", detail=detail, after_sent=after_sent
    )
    return _record_receipt(ctx, item.kind, receipt, item.canonical)


def _record_receipt(ctx, kind: str, receipt, canonical: str | None) -> int | None:
    """The certification id, once stored (None: its municipality or plant is no longer in the database)."""
    cert = certification_from_receipt(ctx, kind, receipt)
    with ctx.session() as s:
        row = ledger.record(
            s, cert, receipt["transactionHash"].to_0x_hex(), receipt["blockNumber"], canonical_record=canonical
        )
    return cert.id if row is not None else None


def resume_pending(ctx, log: Callable[[str], None] = _say) -> int:
    """Finishes the certifications an earlier run sent but did not record (it stopped while waiting): a mined one
    is recorded from its receipt, one still in the chain's pool awaited, one the chain lost marked dropped (its
    record is certified again if still due)."""
    with ctx.session() as s:
        pending = list(
            s.scalars(
                select(ChainTransaction)
                .where(
                    ChainTransaction.kind.in_(TX_KINDS.values()),
                    ChainTransaction.status.in_(("sent", "mined")),
                    ChainTransaction.tx_hash.not_in(select(PellCertification.tx_hash)),
                )
                .order_by(ChainTransaction.id)
            )
        )
    done = 0
    for tx, receipt in record_receipts(ctx, pending):
        if receipt is None and ctx.chain.transaction_known(tx.tx_hash):
            receipt = _await(ctx, tx)
            if receipt is None:
                log(f"certification {tx.tx_hash} still waits in the chain's pool: a later run records it")
                continue
        if receipt is None:
            with ctx.session() as s:
                record_dropped(s, [tx.tx_hash])
            log(f"certification {tx.tx_hash} was never mined: its record is certified again if still due")
        elif receipt["status"] == 1:
            kind = "static" if tx.kind == TX_KINDS["static"] else "monthly"
            done += _record_receipt(ctx, kind, receipt, (tx.detail or {}).get("canonical")) is not None
    return done


def _await(ctx, tx: ChainTransaction):
    """The receipt of a transaction still in the chain's pool, recorded (None if it is still not mined)."""
    try:
        ctx.chain.wait(tx.tx_hash, f"certification {tx.tx_hash}")
    except TransactionFailed:  # reverted (recorded as failed below) or not mined in time
        pass
    return record_receipts(ctx, [tx])[0][1]

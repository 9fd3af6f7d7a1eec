"""The main job: embedded services up, a sample community from bundled data, one epoch end to end.

Idempotent: running it again reuses the community, members, readings, model and finished epoch.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from oracle.communities import create_community
from oracle.context import Context
from oracle.db.schema import Membership
from oracle.units import base_to_tokens

COMMUNITY = "CER Genova Levante"
SYMBOL = "CEGL"
EPOCH_START = "2026-10-01T00:00:00+02:00"
EPOCH_END = "2026-11-01T00:00:00+01:00"
MODEL = "combined"
PARAMS = {
    "alpha_consumer": "1",
    "alpha_producer": "0.5",
    "q": "97.5",
    "beta": "2",
    "cap": "20",
    "min_coverage": "0.9",
    "w_sc": "1",
    "w_ps": "1",
}


def _model_rules_the_epoch(ctx: Context, token: str) -> bool:
    """True when the model that rules the demo's period is already `combined` with the demo's parameters."""
    from oracle.errors import OracleError
    from oracle.instants import parse_instant
    from oracle.model_registry import model_for_period
    from oracle.models import params_to_chain

    try:
        model = model_for_period(ctx, token, parse_instant(EPOCH_START, "epoch start"))
    except OracleError:  # no model yet
        return False
    want_names, want_values = params_to_chain({k: Decimal(v) for k, v in PARAMS.items()})
    return model.model_id == MODEL and model.raw == dict(zip(want_names, want_values))


def run_demo(ctx: Context) -> None:
    from oracle.epochs.report import epoch_report
    from oracle.epochs.runner import run_epoch
    from oracle.ingest.loader import ingest_file
    from oracle.instants import iso
    from oracle.lifecycle import up
    from oracle.members import import_members
    from oracle.model_registry import publish_model
    from oracle.sample import MEMBERS_CSV, READINGS_CSV

    print("== 1. embedded services")
    up(ctx)
    print(f"== 2. community {COMMUNITY!r}")
    community = create_community(
        ctx,
        COMMUNITY,
        symbol=SYMBOL,
        welcome_citizen="100",
        welcome_stakeholder="500",
        fee_bps=100,
        endowment="1000000",
    )
    print(f"   token {community.token_address}")
    summary = import_members(ctx, COMMUNITY, MEMBERS_CSV)
    print(f"   {summary.members} members with {summary.devices} meters ({len(summary.added_onchain)} joined now)")
    print("== 3. meter readings (September and October 2026, 15-minute)")
    result = ingest_file(ctx, COMMUNITY, READINGS_CSV, "csv")
    print(
        f"   {READINGS_CSV.name}: "
        + (
            "already ingested"
            if result.already_ingested
            else f"{result.rows_loaded} readings, {result.anomaly_count} anomalies"
        )
    )
    print(f"== 4. reward model {MODEL} {PARAMS}")
    if _model_rules_the_epoch(ctx, community.token_address):
        print("   already published: it rules October")
    else:
        done = publish_model(ctx, MODEL, PARAMS, community=COMMUNITY)
        print(
            f"   published version {done.version}, effective from {iso(done.effective_from)}"
            + ("" if done.active_from is None else f", the community's active model from {iso(done.active_from)}")
        )
    print(f"== 5. epoch {EPOCH_START} .. {EPOCH_END}")
    epoch = run_epoch(ctx, COMMUNITY, EPOCH_START, EPOCH_END)
    if epoch.status == "waiting":
        print(
            f"\nEpoch {epoch.number} is committed (root {epoch.merkle_root}) and payable from "
            f"{epoch.payable_at.isoformat()}, after the challenge window: run `oracle demo` again then."
        )
        return
    report = epoch_report(ctx, COMMUNITY, epoch.number)
    kpis = report["communityKpis"] or {}
    print("\nCommunity KPIs (October 2026)")
    for key, value in kpis.items():
        print(f"   {key:<22} {value if value is None else round(value, 2)}")
    print(f"\nMerkle root   {report['merkleRoot']}\nDataset hash  {report['datasetHash']}")
    print(
        f"Model         {report['model']['id']} v{report['model']['version']} (effective from "
        f"{report['model']['effectiveFrom']})"
    )
    print("Transactions")
    for tx in report["transactions"]:
        print(f"   {tx['kind']:<8} {tx['hash']}  block {tx['block']}")
    chain = ctx.chain
    token = chain.token(community.token_address)
    with ctx.session() as s:
        names = {
            m.wallet: ctx.cipher.decrypt(m.user.name_enc)
            for m in s.scalars(select(Membership).where(Membership.community_id == community.id))
        }
    print(f"\n{'member':<34} {'wallet':<42} {'reward':>12} {'balance':>12}")
    for member in report["members"]:
        balance = chain.call(token.functions.balanceOf(member["wallet"]))
        note = "  skipped: not an active member at payment; still claimable" if member["skipped"] else ""
        print(
            f"{names.get(member['wallet'], '?')[:33]:<34} {member['wallet']:<42} "
            f"{base_to_tokens(int(member['amount'])):>12} {base_to_tokens(balance):>12}{note}"
        )
    print(f"{'treasury':<77} {base_to_tokens(chain.call(token.functions.balanceOf(community.token_address))):>12}")
    print(
        f"\nAn auditor's check:  oracle takeout --community '{COMMUNITY}' --epoch {epoch.number} "
        f"--member {report['members'][0]['wallet']} --out takeout.json && oracle verify takeout.json"
    )

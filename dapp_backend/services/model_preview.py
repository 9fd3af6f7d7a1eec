"""What the community's last done epoch would have paid under another model or other parameters.

The epoch is recomputed as the runner's compute step does it (oracle.epochs.runner): the same period, the
same members (the epoch's leaves), the readings frozen by the epoch's ingestion watermark, and
oracle.models.compute_rewards — only the model and parameters differ. The parameters pass the checks
`oracle models publish` makes (plain decimal, plausible range, the model's names, 6 decimals) and are then
taken through the registry's fixed point and back, so the preview computes with exactly the values a
publication would put on-chain. Nothing is written: no epoch, no step, no transaction.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from dapp_backend.services.errors import InvalidInput, NotFound
from dapp_backend.services.members_admin import community_of
from oracle.context import Context
from oracle.db.schema import Epoch, EpochMember
from oracle.epochs.data import load_readings, to_model_frame
from oracle.epochs.runner import BASELINE_MODELS
from oracle.instants import iso
from oracle.models import MODEL_IDS, OPTIONAL_PARAMETERS, REQUIRED_PARAMETERS, compute_rewards, params_from_chain
from oracle.models.parameters import check_plausible, params_to_chain, plain_decimal, validate_params


def checked_parameters(model_id, params) -> dict[str, float]:
    """The parameters as the runner would read them back from the registry; InvalidInput naming the first
    that is wrong (field "model" or "params.<name>")."""
    if model_id not in MODEL_IDS:
        raise InvalidInput(f"model {model_id!r} is not a reward model: choose {', '.join(MODEL_IDS)}", "model")
    if not isinstance(params, dict):
        raise InvalidInput("params must be an object of parameter names and values", "params")
    allowed = (*REQUIRED_PARAMETERS[model_id], *OPTIONAL_PARAMETERS[model_id])
    decimals = {}
    for name, value in params.items():
        if name not in allowed:
            raise InvalidInput(
                f"{name!r} is not a parameter of {model_id}: its parameters are {', '.join(allowed)}", f"params.{name}"
            )
        try:
            decimals[name] = plain_decimal(name, value if isinstance(value, str) else str(value))
            check_plausible({name: decimals[name]})
            params_to_chain({name: decimals[name]})
        except ValueError as exc:
            raise InvalidInput(f"model {model_id}: {exc}", f"params.{name}") from None
    for name in REQUIRED_PARAMETERS[model_id]:
        if name not in decimals:
            raise InvalidInput(
                f"model {model_id} needs parameter {name!r} (needed: {', '.join(REQUIRED_PARAMETERS[model_id])})",
                f"params.{name}",
            )
    try:
        return validate_params(model_id, params_from_chain(*params_to_chain(decimals)))
    except ValueError as exc:
        raise InvalidInput(f"model {model_id}: {exc}", "params") from None


def last_done_epoch(ctx: Context, community) -> tuple[Epoch, list[EpochMember]]:
    with ctx.session() as s:
        epoch = s.scalar(
            select(Epoch)
            .where(Epoch.community_id == community.id, Epoch.status == "done")
            .order_by(Epoch.number.desc())
            .limit(1)
        )
        if epoch is None:
            raise NotFound(f"community {community.name!r} has no done epoch yet: nothing to preview on")
        members = list(
            s.scalars(
                select(EpochMember)
                .where(EpochMember.epoch_id == epoch.id)
                .order_by(EpochMember.leaf_index, EpochMember.wallet)
            )
        )
        s.expunge_all()
    return epoch, members


def preview_model(ctx: Context, token: str, model_id, params) -> dict:
    """Per member of the last done epoch: the amount under `model_id` and `params`, and the amount computed
    (and paid) then; base units as decimal strings."""
    community = community_of(ctx, token)
    values = checked_parameters(model_id, params)
    epoch, members = last_done_epoch(ctx, community)
    length = epoch.period_end - epoch.period_start
    data_start = epoch.period_start - length if model_id in BASELINE_MODELS else epoch.period_start
    readings = load_readings(
        ctx.engine,
        community.id,
        min(data_start, epoch.data_start or data_start),
        epoch.period_end,
        epoch.ingestion_watermark or 0,
    )
    wallets = [m.wallet for m in members]
    result = compute_rewards(
        model_id,
        values,
        to_model_frame(readings),
        wallets,
        pd.Timestamp(epoch.period_start),
        pd.Timestamp(epoch.period_end),
    )
    return {
        "epoch": epoch.number,
        "model": model_id,
        "params": values,
        "period": {"start": iso(epoch.period_start), "end": iso(epoch.period_end)},
        "currentModel": {
            "id": epoch.model_id,
            "version": epoch.model_version,
            "params": (epoch.params or {}).get("values"),
        },
        "total": str(result.total),
        "currentTotal": str(int(epoch.total_reward or 0)),
        "members": [
            {
                "member": m.wallet,
                "amount": str(result.amounts[m.wallet]),
                "current": str(int(m.amount)),
                "paid": bool(m.paid),
            }
            for m in members
        ],
    }


def community_models(ctx: Context, token: str) -> dict:
    """The community's active-model schedule and every published version of every model, from the registry."""
    from oracle.chain.client import RegistryVersion
    from oracle.chain.encoding import to_bytes32

    community = community_of(ctx, token)
    chain = ctx.chain
    registry = chain.registry
    keys = {model_id: to_bytes32(model_id) for model_id in MODEL_IDS}
    counts = chain.call_many([registry.functions.versionCount(community.token, key) for key in keys.values()])
    wanted = [(model_id, version) for model_id, count in zip(keys, counts) for version in range(1, count + 1)]
    raws = chain.call_many([registry.functions.getVersion(community.token, keys[m], v) for m, v in wanted])
    versions = []
    for (model_id, version), raw in zip(wanted, raws):
        published = RegistryVersion.decode(raw)
        versions.append(
            {
                "id": model_id,
                "version": version,
                "effectiveFrom": iso(published.effective_from),
                "publishedAt": iso(published.published_at),
                "publishedBy": published.publisher,
                "params": params_from_chain(published.names, published.values),
            }
        )
    schedule = [
        {
            "model": switch.model_id,
            "effectiveFrom": iso(switch.effective_from),
            "scheduledAt": iso(switch.scheduled_at),
            "by": switch.by,
        }
        for switch in chain.model_schedule(community.token)
    ]
    return {"schedule": schedule, "versions": versions}

"""Reward-model parameters on the chain's ModelRegistry: publish a version, read the one an epoch uses."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from oracle.chain.encoding import from_bytes32, to_bytes32
from oracle.chain.transactions import record_mined, record_sent
from oracle.communities import get_community
from oracle.context import Context
from oracle.errors import OracleError


@dataclass(frozen=True)
class ModelVersion:
    model_id: str
    version: int
    effective_from_epoch: int
    params: dict[str, float]
    raw: dict[str, int]  # on-chain fixed-point values


def parse_assignments(items: list[str]) -> dict[str, str]:
    """NAME=VALUE pairs; values stay decimal text so the on-chain fixed point is exact."""
    params: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise OracleError(f"--set {item!r}: expected NAME=VALUE")
        if name in params:
            raise OracleError(f"--set {name} given twice")
        try:
            float(value)
        except ValueError:
            raise OracleError(f"--set {item!r}: {value!r} is not a number") from None
        params[name] = value
    return params


def publish_model(ctx: Context, model_id: str, params: dict[str, str], *, community: str | None = None,
                  effective_from_epoch: int | None = None) -> int:
    """Validates the parameters (decimal text), publishes a new version as the Oracle Admin; with
    `community`, also makes the model that community's active one."""
    from oracle.models import params_to_chain, validate_params

    try:
        validate_params(model_id, {k: float(v) for k, v in params.items()})
        names, fixed = params_to_chain({k: Decimal(v) for k, v in params.items()})
    except ValueError as exc:
        raise OracleError(f"model {model_id}: {exc}") from None
    chain = ctx.chain
    registry = chain.registry
    model_key = to_bytes32(model_id)
    count = chain.call(registry.functions.versionCount(model_key))
    previous = chain.call(registry.functions.getVersion(model_key, count))[0] if count else 0
    token_address = get_community(ctx, community).token_address if community else None
    if effective_from_epoch is None:
        # from the community's next epoch on (never before the previous version's start)
        next_epoch = chain.call(chain.notary.functions.epochCount(token_address)) + 1 if token_address else 1
        effective_from_epoch = max(previous, next_epoch)
    if effective_from_epoch < previous:
        raise OracleError(f"--effective-from-epoch {effective_from_epoch} is before version {count}'s "
                          f"{previous}: versions of a model apply in order")
    receipt = chain.send(
        registry.functions.publishVersion(model_key, [to_bytes32(n) for n in names], fixed, effective_from_epoch),
        "oracle_admin", what=f"publishVersion({model_id})", on_sent=lambda h: record_sent(ctx, h, "publish_model"))
    record_mined(ctx, receipt)
    version = chain.call(registry.functions.versionCount(model_key))
    if token_address:
        receipt = chain.send(registry.functions.setActiveModel(token_address, model_key), "oracle_admin",
                             what="setActiveModel", on_sent=lambda h: record_sent(ctx, h, "set_active_model"))
        record_mined(ctx, receipt)
    return version


def model_for_epoch(ctx: Context, token_address: str, epoch_number: int) -> ModelVersion:
    """The community's active model and the version that applies to `epoch_number`, read from the chain."""
    from oracle.models import params_from_chain

    chain = ctx.chain
    registry = chain.registry
    try:
        model_key, version = chain.call(registry.functions.modelForEpoch(token_address, epoch_number))
    except OracleError as exc:
        raise OracleError(f"no reward model applies to epoch {epoch_number}: {exc} — publish one with "
                          "`oracle models publish --model … --community …`") from None
    effective, _published, _publisher, names, values = chain.call(registry.functions.getVersion(model_key, version))
    names = [from_bytes32(n) for n in names]
    return ModelVersion(from_bytes32(model_key), version, effective, params_from_chain(names, list(values)),
                        dict(zip(names, values)))

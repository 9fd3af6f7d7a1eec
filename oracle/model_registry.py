"""Reward-model parameters on the chain's ModelRegistry: publish a community's version, read the one a period uses.

Versions are per community; each applies to the periods that start at or after its `effectiveFrom`
(unix time). The registry refuses a time before the end of the community's last committed period,
closer to now than its minimum notice, or not after the previous entry of the same schedule; this
module checks the same rules before sending anything, so a mistake costs no transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from oracle.chain.encoding import to_bytes32
from oracle.chain.transactions import send_recorded
from oracle.communities import get_community
from oracle.context import Context
from oracle.errors import OracleError
from oracle.instants import duration, from_unix, iso, parse_instant, to_unix

# The block that includes a transaction comes after the latest block we read: with a minimum notice,
# the earliest time we read could already be too early by then.
NOTICE_MARGIN = 60


@dataclass(frozen=True)
class ModelVersion:
    model_id: str
    version: int
    effective_from: int  # unix seconds: the version rules periods starting at or after it
    params: dict[str, float]
    raw: dict[str, int]  # on-chain fixed-point values

    @property
    def effective_from_time(self) -> datetime:
        return from_unix(self.effective_from)


@dataclass(frozen=True)
class Publication:
    """What `publish_model` did: the new version, and from when the model is the community's active one
    (`active_from` None when it already was at `effective_from`)."""

    model_id: str
    version: int
    effective_from: int
    active_from: int | None


def parse_assignments(items: list[str]) -> dict[str, str]:
    """NAME=VALUE pairs; values stay decimal text so the on-chain fixed point is exact."""
    from oracle.models.parameters import plain_decimal

    params: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise OracleError(f"--set {item!r}: expected NAME=VALUE")
        if name in params:
            raise OracleError(f"--set {name} given twice")
        try:
            plain_decimal(name, value)
        except ValueError as exc:
            raise OracleError(f"--set {item!r}: {exc}") from None
        params[name] = value
    return params


def _chain_parameters(model_id: str, params: dict[str, str]) -> tuple[list[bytes], list[int]]:
    """The parameters as the registry takes them, after every check: plain decimal, the plausible ranges, the
    model's names, 6 decimals."""
    from oracle.models.parameters import check_plausible, params_to_chain, plain_decimal, validate_params

    try:
        values = {
            name: plain_decimal(name, value if isinstance(value, str) else str(value)) for name, value in params.items()
        }
        check_plausible(values)
        validate_params(model_id, values)
        names, fixed = params_to_chain(values)
    except ValueError as exc:
        raise OracleError(f"model {model_id}: {exc}") from None
    return [to_bytes32(n) for n in names], fixed


def _earliest(chain, token: str, previous: int | None) -> int:
    """The earliest effective time the registry accepts for an entry after `previous` (None: the first), with
    the margin when a notice applies."""
    registry = chain.registry
    earliest = chain.call(registry.functions.earliestEffectiveFrom(token, previous is not None, previous or 0))
    return earliest + NOTICE_MARGIN if chain.call(registry.functions.minNotice()) > 0 else earliest


def _switch_time(chain, token: str, when: int) -> int:
    """When the model can become the community's active one: at `when` (the version's time) if the switch
    schedule allows it, with half the margin left for the including block; otherwise the earliest it allows."""
    schedule = chain.model_schedule(token)
    previous = schedule[-1].effective_from if schedule else None
    registry = chain.registry
    earliest = chain.call(registry.functions.earliestEffectiveFrom(token, previous is not None, previous or 0))
    if chain.call(registry.functions.minNotice()) == 0:
        return max(when, earliest)
    return when if when >= earliest + NOTICE_MARGIN // 2 else earliest + NOTICE_MARGIN


def _check_effective_from(
    chain, token: str, community: str, effective_from: int, previous_version: int, previous: int | None
) -> None:
    """The registry's rules for a requested time, as clear errors (before any transaction)."""
    last_end = chain.call(chain.notary.functions.lastPeriodEnd(token))
    if effective_from < last_end:
        raise OracleError(
            f"--effective-from {iso(effective_from)} is before the end of {community!r}'s last "
            f"committed period ({iso(last_end)}): committed periods keep their rules; choose a time "
            "at or after it"
        )
    min_notice = chain.call(chain.registry.functions.minNotice())
    earliest = chain.now() + min_notice
    if min_notice > 0 and effective_from < earliest:
        raise OracleError(
            f"--effective-from {iso(effective_from)} gives too short a notice: the registry requires "
            f"{duration(min_notice)} between publishing and the time a change applies, so the "
            f"earliest is {iso(earliest)} (leave --effective-from out to use the earliest)"
        )
    if previous is not None and effective_from <= previous:
        raise OracleError(
            f"--effective-from {iso(effective_from)} is not after version {previous_version}'s "
            f"({iso(previous)}): the versions of a model apply one after the other"
        )


def publish_model(
    ctx: Context, model_id: str, params: dict[str, str], *, community: str, effective_from: str | None = None
) -> Publication:
    """Publishes a new version of `model_id` for `community` as the Oracle Admin, effective from
    `effective_from` (ISO 8601 with offset; default: the earliest time allowed), and makes the model the
    community's active one from then (or from the earliest time its schedule allows) unless it already is."""
    names, fixed = _chain_parameters(model_id, params)
    record = get_community(ctx, community)
    token = record.token_address
    chain = ctx.chain
    registry = chain.registry
    model_key = to_bytes32(model_id)
    count = chain.call(registry.functions.versionCount(token, model_key))
    previous = chain.model_version(token, model_key, count).effective_from if count else None
    if effective_from is None:
        when = _earliest(chain, token, previous)
    else:
        when = to_unix(parse_instant(effective_from, "--effective-from"))
        _check_effective_from(chain, token, community, when, count, previous)

    send_recorded(
        ctx,
        registry.functions.publishVersion(token, model_key, names, fixed, when),
        "oracle_admin",
        "publish_model",
        what=f"publishVersion({model_id})",
        community_id=record.id,
        detail={"model": model_id, "effectiveFrom": when},
    )
    version = chain.call(registry.functions.versionCount(token, model_key))
    active_from = None
    if chain.call(registry.functions.activeModelAt(token, when)) != model_key:
        active_from = _switch_time(chain, token, when)
        send_recorded(
            ctx,
            registry.functions.setActiveModel(token, model_key, active_from),
            "oracle_admin",
            "set_active_model",
            what=f"setActiveModel({model_id})",
            community_id=record.id,
            detail={"model": model_id, "effectiveFrom": active_from},
        )
    return Publication(model_id, version, when, active_from)


def model_for_period(ctx: Context, token_address: str, period_start: datetime) -> ModelVersion:
    """The community's model and the version that rule a period starting at `period_start`, read from the chain."""
    from oracle.models import params_from_chain

    chain = ctx.chain
    try:
        model_id, version = chain.model_for_period(token_address, to_unix(period_start))
    except OracleError as exc:
        raise OracleError(
            f"no reward model rules a period starting {iso(period_start)}: {exc} — publish one with "
            "`oracle models publish --model … --community … [--effective-from …]`"
        ) from None
    published = chain.model_version(token_address, to_bytes32(model_id), version)
    return ModelVersion(
        model_id,
        version,
        published.effective_from,
        params_from_chain(published.names, published.values),
        dict(zip(published.names, published.values)),
    )

"""Reward-model identifiers and parameters, and their on-chain fixed-point form.

ModelRegistry stores every parameter as an unsigned integer with PARAM_DECIMALS = 6 decimals
(97.5 <-> 97_500_000). Off-chain the parameters are plain floats:

- self_consumption: alpha_consumer, alpha_producer (tokens per kWh)
- peak_shaving:     beta (tokens per kW), cap (tokens per member per epoch),
                    q (percentile, default 97.5), min_coverage (fraction, default 0.9)
- combined:         w_sc, w_ps (weights) plus the parameters of both models above.

Plausible ranges (PLAUSIBLE_RANGES; `oracle models publish` refuses a value outside them, naming the
range). The examples of the platform pay 100 tokens to a new citizen and 500 to a stakeholder, and
use alpha 1 / 0.5, beta 2, cap 20:

    parameter       range        unit
    alpha_consumer  0 .. 100     tokens per kWh of shared consumption   a household shares 100-300 kWh a
    alpha_producer  0 .. 100     tokens per kWh of shared production    month: at 100 that is 10 000+ tokens
    beta            0 .. 1000    tokens per kW of peak reduction        peaks fall by 0.1 to a few kW
    cap             0 .. 10000   tokens per member per epoch            20 times a stakeholder's welcome bonus
    q               50 .. 100    percentile of the quarter-hour load    a peak is an upper percentile (97.5)
    min_coverage    0.5 .. 1     fraction of quarter-hours with data    a peak from less than half says little
    w_sc, w_ps      0 .. 10      weights of the combined model          relative weights (1 and 1, 0.7/0.3)

The ranges guard publication only. A version already on-chain outside them (published by an older
oracle or directly on the registry) stays readable and is computed as published, because it is
what rules its periods and the notary accepts no other; the runner says so in its log, and the
per-epoch reward ceiling and the treasury bound what such a version can pay. The hard rules below
(finite, not negative, q within 0..100, min_coverage within 0..1) still apply to every computation.

Values are written in plain decimal (ASCII digits, an optional fraction: 0.5, 97.5, 1000): no
exponent, no `_`, no other digits, no nan or inf, so what is published is what was meant.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

MODEL_IDS = ("self_consumption", "peak_shaving", "combined")
DEFAULTS = {"q": 97.5, "min_coverage": 0.9}
REQUIRED_PARAMETERS = {
    "self_consumption": ("alpha_consumer", "alpha_producer"),
    "peak_shaving": ("beta", "cap"),  # q, min_coverage optional (defaults)
    "combined": ("alpha_consumer", "alpha_producer", "beta", "cap", "w_sc", "w_ps"),
}
OPTIONAL_PARAMETERS = {
    "self_consumption": (),
    "peak_shaving": ("q", "min_coverage"),
    "combined": ("q", "min_coverage"),
}
PARAM_DECIMALS = 6  # on-chain fixed point (ModelRegistry): 97.5 <-> 97_500_000
_SCALE = 10**PARAM_DECIMALS
_UINT256_MAX = 2**256 - 1
_RANGES = {"q": (0.0, 100.0), "min_coverage": (0.0, 1.0)}  # every other parameter: >= 0
PLAUSIBLE_RANGES = {  # name: (low, high, unit); see the table above
    "alpha_consumer": (Decimal(0), Decimal(100), "tokens per kWh of shared consumption"),
    "alpha_producer": (Decimal(0), Decimal(100), "tokens per kWh of shared production"),
    "beta": (Decimal(0), Decimal(1000), "tokens per kW of peak reduction"),
    "cap": (Decimal(0), Decimal(10000), "tokens per member per epoch"),
    "q": (Decimal(50), Decimal(100), "percentile of the quarter-hour load"),
    "min_coverage": (Decimal("0.5"), Decimal(1), "fraction of quarter-hours with data"),
    "w_sc": (Decimal(0), Decimal(10), "weight of self-consumption"),
    "w_ps": (Decimal(0), Decimal(10), "weight of peak shaving"),
}
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def plain_decimal(name: str, text) -> Decimal:
    """``text`` as a Decimal when it is written in plain decimal (ASCII digits, an optional fraction, an
    optional leading minus); ValueError naming ``name`` otherwise (1e3, 1_000, non-ASCII digits, nan, inf)."""
    if not isinstance(text, str) or not _PLAIN_DECIMAL.fullmatch(text):
        raise ValueError(
            f"parameter {name!r} = {text!r} is not a number in plain decimal (ASCII digits with an "
            "optional fraction, like 97.5 or 1000)"
        )
    return Decimal(text)


def plausible_range_problem(name: str, value) -> str | None:
    """Why ``value`` is outside ``name``'s plausible range (None when inside it, or for an unknown name)."""
    if name not in PLAUSIBLE_RANGES:
        return None
    low, high, unit = PLAUSIBLE_RANGES[name]
    if low <= Decimal(str(value)) <= high:
        return None
    return f"parameter {name!r} = {value} is outside its plausible range {low} to {high} ({unit})"


def check_plausible(params: Mapping[str, Decimal]) -> None:
    """ValueError for the first parameter outside its plausible range, naming the range."""
    for name, value in params.items():
        problem = plausible_range_problem(name, value)
        if problem:
            raise ValueError(problem)


def check_value(name: str, value) -> float:
    """``value`` as a float, or ValueError naming ``name`` (not a finite number / out of range)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, Decimal)):
        raise ValueError(f"parameter {name!r} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"parameter {name!r} must be finite, got {value!r}")
    low, high = _RANGES.get(name, (0.0, math.inf))
    if not low <= value <= high:
        bound = f"in [{low:g}, {high:g}]" if high != math.inf else ">= 0"
        raise ValueError(f"parameter {name!r} must be {bound}, got {value!r}")
    return value


def get_param(params: Mapping[str, float], name: str) -> float:
    """One parameter (default filled in, range-checked); ValueError naming it when missing."""
    if name in params:
        return check_value(name, params[name])
    if name in DEFAULTS:
        return DEFAULTS[name]
    raise ValueError(f"missing parameter {name!r}")


def validate_params(model_id: str, params: Mapping[str, float]) -> dict[str, float]:
    """Check ``params`` for ``model_id``; return them as floats with defaults filled in.

    ValueError (naming the model or parameter) for: unknown model, missing required parameter,
    unknown parameter name, non-numeric / non-finite value, q not in [0, 100], min_coverage not in
    [0, 1], any other parameter negative. The result lists required then optional parameters in
    the order of REQUIRED_PARAMETERS / OPTIONAL_PARAMETERS.
    """
    if model_id not in REQUIRED_PARAMETERS:
        raise ValueError(f"unknown model {model_id!r}; known models: {', '.join(MODEL_IDS)}")
    required = REQUIRED_PARAMETERS[model_id]
    optional = OPTIONAL_PARAMETERS[model_id]
    for name in params:
        if name not in required and name not in optional:
            raise ValueError(f"unknown parameter {name!r} for model {model_id!r}")
    for name in required:
        if name not in params:
            raise ValueError(f"missing parameter {name!r} for model {model_id!r}")
    return {name: get_param(params, name) for name in (*required, *optional)}


def _name_from_chain(name) -> str:
    if isinstance(name, (bytes, bytearray)):  # bytes32, right-padded with zeros
        name = bytes(name).rstrip(b"\0").decode("ascii")
    if not isinstance(name, str) or not name:
        raise ValueError(f"invalid parameter name {name!r}")
    return name


def params_from_chain(names: Sequence[str], values: Sequence[int]) -> dict[str, float]:
    """ModelRegistry (names, fixed-point values) -> {name: value / 10**6} (97_500_000 -> 97.5).

    Names may be str or bytes32 (zero right-padding is stripped). Integer true division is
    correctly rounded, so every 6-decimal value maps to the float nearest to it.
    """
    if len(names) != len(values):
        raise ValueError(f"{len(names)} names but {len(values)} values")
    out: dict[str, float] = {}
    for raw_name, value in zip(names, values):
        name = _name_from_chain(raw_name)
        if name in out:
            raise ValueError(f"duplicate parameter {name!r}")
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise ValueError(f"parameter {name!r}: on-chain value must be an integer, got {value!r}")
        if not 0 <= int(value) <= _UINT256_MAX:
            raise ValueError(f"parameter {name!r}: on-chain value out of uint256 range: {value}")
        out[name] = int(value) / _SCALE
    return out


def params_to_chain(params: Mapping[str, float]) -> tuple[list[str], list[int]]:
    """{name: value} -> (names, values * 10**6 as exact integers), in the dict's order.

    The conversion is exact in decimal: ``Decimal(str(value)) * 10**6`` (0.1 -> 100_000,
    97.5 -> 97_500_000). ValueError naming the parameter for a negative, non-finite or
    non-numeric value, a value with more than 6 decimals, or a name that does not fit bytes32.
    """
    names: list[str] = []
    values: list[int] = []
    for name, value in params.items():
        if not isinstance(name, str) or not name or len(name.encode("utf-8")) > 32 or not name.isascii():
            raise ValueError(f"parameter name {name!r} must be 1-32 ASCII characters")
        if isinstance(value, bool) or not isinstance(value, (numbers.Real, Decimal)):
            raise ValueError(f"parameter {name!r} must be a number, got {value!r}")
        try:
            dec = value if isinstance(value, Decimal) else Decimal(str(value))
        except InvalidOperation as exc:
            raise ValueError(f"parameter {name!r}: cannot convert {value!r}") from exc
        if not dec.is_finite():
            raise ValueError(f"parameter {name!r} must be finite, got {value!r}")
        if dec < 0:
            raise ValueError(f"parameter {name!r} must not be negative, got {value!r}")
        scaled = dec * _SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError(f"parameter {name!r} = {value!r} has more than {PARAM_DECIMALS} decimals")
        as_int = int(scaled)
        if as_int > _UINT256_MAX:
            raise ValueError(f"parameter {name!r} = {value!r} does not fit uint256")
        names.append(name)
        values.append(as_int)
    return names, values

"""Reward-model identifiers and parameters, and their on-chain fixed-point form.

ModelRegistry stores every parameter as an unsigned integer with PARAM_DECIMALS = 6 decimals
(97.5 <-> 97_500_000). Off-chain the parameters are plain floats:

- self_consumption: alpha_consumer, alpha_producer (tokens per kWh)
- peak_shaving:     beta (tokens per kW), cap (tokens per member per epoch),
                    q (percentile, default 97.5), min_coverage (fraction, default 0.9)
- combined:         w_sc, w_ps (weights) plus the parameters of both models above.
"""
from __future__ import annotations

import math
import numbers
from decimal import Decimal, InvalidOperation
from typing import Mapping, Sequence

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
            raise ValueError(
                f"parameter {name!r} = {value!r} has more than {PARAM_DECIMALS} decimals")
        as_int = int(scaled)
        if as_int > _UINT256_MAX:
            raise ValueError(f"parameter {name!r} = {value!r} does not fit uint256")
        names.append(name)
        values.append(as_int)
    return names, values

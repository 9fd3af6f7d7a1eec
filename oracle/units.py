"""Token amounts: 18 decimals on-chain; users write decimal token amounts."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from oracle.errors import OracleError

DECIMALS = 18
BASE = 10**DECIMALS


def tokens_to_base(value: str | int | float, what: str = "amount") -> int:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise OracleError(f"{what}: {value!r} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise OracleError(f"{what}: {value!r} must be a non-negative number")
    base = amount * BASE
    if base != base.to_integral_value():
        raise OracleError(f"{what}: {value!r} has more than {DECIMALS} decimals")
    return int(base)


def base_to_tokens(base: int) -> str:
    whole, frac = divmod(int(base), BASE)
    frac_text = f"{frac:018d}".rstrip("0")
    return f"{whole}.{frac_text}" if frac_text else str(whole)

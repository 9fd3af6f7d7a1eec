"""Token amounts in base units.

    base = floor(tokens * 10^6 * (1 + 1e-12)) * 10^12          (18-decimal token, 10^-6 resolution)

Amounts are rounded *down* to 10^-6 token so the total paid never exceeds what the model gives.
Floating point makes exact values come out a hair low (2.9999999999999996 for 3, 0.25 + 0.3 =
0.5499999999999999...); the relative tolerance 1e-12 (far above float64's 1.1e-16 rounding
error, far below the 10^-6 resolution for any realistic amount) keeps them from being floored to
the unit below. Consequence: a true value within 1e-12 relative below a multiple of 10^-6 is
rounded up to it. Results are never negative (negative or -0.0 noise gives 0).
"""

from __future__ import annotations

import math

TOKEN_DECIMALS = 18
AMOUNT_DECIMALS = 6
RELATIVE_TOLERANCE = 1e-12
_UNIT = 10 ** (TOKEN_DECIMALS - AMOUNT_DECIMALS)


def to_base_units(tokens: float) -> int:
    """Base units (10^-18 token) of ``tokens``, rounded down to 10^-6 token (see module doc)."""
    tokens = float(tokens)
    if not math.isfinite(tokens):
        raise ValueError(f"token amount must be finite, got {tokens!r}")
    if tokens <= 0:
        return 0
    micro = math.floor(tokens * 10**AMOUNT_DECIMALS * (1 + RELATIVE_TOLERANCE))
    return max(micro, 0) * _UNIT

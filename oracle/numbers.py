"""Numbers as people write them, in files and on the command line: ASCII digits, a sign, a decimal point,
an exponent. Python's float(), int() and Decimal() also take '_' digit separators ("1_000") and the
digits of other scripts (Arabic-Indic "١٢٣"); a meter file or an amount holding those is a mistake to
name, not a number to guess."""

from __future__ import annotations

import re

DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
WHOLE = re.compile(r"[+-]?\d+", re.ASCII)


def is_plain(text: str) -> bool:
    """No '_' and nothing but ASCII: what float() accepts beyond that is refused."""
    return text.isascii() and "_" not in text


def plain_float(text: str) -> float:
    """float(text) for plain text only (nan and inf still parse: the cleaning reports them);
    ValueError otherwise."""
    if not is_plain(text):
        raise ValueError(f"{text!r} is not written with plain ASCII digits")
    return float(text)


def not_a_number(text: str) -> str:
    """What is wrong with a text that is no number, for a message: "is not a number", or why one that
    float() would take is refused."""
    if is_plain(text):
        return "is not a number"
    if "_" in text:
        return "is not a plain number ('_' digit separators are not accepted)"
    return "is not a plain number (only the ASCII digits 0-9 are accepted)"

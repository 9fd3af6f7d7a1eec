"""Types of the command line's arguments: each takes the text a user wrote and returns the value, or
refuses it (argparse.ArgumentTypeError) in one sentence that says what is accepted. Kept free of heavy
imports: the parser is built for every command."""

from __future__ import annotations

import argparse
import re
from decimal import Decimal
from pathlib import Path

from oracle.numbers import DECIMAL, WHOLE, not_a_number

GAP_LIMIT_MAX_HOURS = 24.0  # a longer gap is a missing day: interpolating it would invent a profile
EPOCH_MAX = 2**31 - 1  # epochs.number is a PostgreSQL integer
TOKENS_MAX = 10**15  # far beyond any community's amounts; keeps every amount well inside uint256
PLAUSIBLE_YEARS = (2000, 2100)  # the same window as meter readings' times (oracle.ingest.times)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]|$)", re.ASCII)


class OneLineErrors(argparse.ArgumentParser):
    """A parser whose refusals are one line on standard error, "error: oracle ingest: argument …", exit 2
    (argparse's own usage block would bury the sentence); `--help` still shows the usage."""

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {message} (see `{self.prog} --help`)\n")


def _refuse(message: str):
    return argparse.ArgumentTypeError(message)


def gap_limit_hours(text: str) -> float:
    if not DECIMAL.fullmatch(text.strip()):
        raise _refuse(f"{text!r} {not_a_number(text)}: give hours, more than 0 and at most {GAP_LIMIT_MAX_HOURS:g}")
    hours = float(text)
    if not 0 < hours <= GAP_LIMIT_MAX_HOURS:  # also refuses 1e400 (inf)
        raise _refuse(f"{text} hours is outside the range: more than 0 and at most {GAP_LIMIT_MAX_HOURS:g}")
    return hours


def whole_number(text: str) -> int:
    if not WHOLE.fullmatch(text.strip()):
        raise _refuse(f"{text!r} is not a whole number written with the digits 0-9")
    return int(text)


CHUNK_ROWS = 500_000  # lines of csv per chunk: about 0.3 GB of memory at the peak of a chunk
CHUNK_ROWS_MIN, CHUNK_ROWS_MAX = 1_000, 10_000_000  # below: a statement per few lines; above: memory grows past 5 GB


def chunk_rows(text: str) -> int:
    number = whole_number(text)
    if not CHUNK_ROWS_MIN <= number <= CHUNK_ROWS_MAX:
        raise _refuse(f"{text} lines per chunk is outside the range: {CHUNK_ROWS_MIN:,} to {CHUNK_ROWS_MAX:,}")
    return number


def epoch_number(text: str) -> int:
    number = whole_number(text)
    if not 1 <= number <= EPOCH_MAX:
        raise _refuse(f"{text} is not an epoch number: epochs are numbered from 1 (at most {EPOCH_MAX})")
    return number


REVISION_MAX = 2**32 - 1  # ConsumptionNotary numbers revisions with a uint32


def revision_number(text: str) -> int:
    number = whole_number(text)
    if not 1 <= number <= REVISION_MAX:
        raise _refuse(f"{text} is not a revision number: revisions are numbered from 1 (at most {REVISION_MAX})")
    return number


def token_amount(text: str) -> str:
    """A decimal amount of tokens, 0 to TOKENS_MAX with at most 18 decimals; returned as written (the
    command converts it to base units)."""
    if not DECIMAL.fullmatch(text.strip()):
        raise _refuse(f"{text!r} {not_a_number(text)}: write an amount of tokens such as 1000 or 2.5")
    amount = Decimal(text)
    if not 0 <= amount <= TOKENS_MAX:
        raise _refuse(f"{text} tokens is outside the range: 0 to {TOKENS_MAX:,}")
    return text.strip()


def instant(text: str) -> str:
    """An ISO 8601 time with a UTC offset within PLAUSIBLE_YEARS; returned as written."""
    from oracle.errors import OracleError
    from oracle.instants import parse_instant

    if not ISO_DATE.match(text.strip()):
        raise _refuse(f"{text!r} is not an ISO 8601 time with a UTC offset, e.g. 2026-10-01T00:00:00+02:00")
    try:
        when = parse_instant(text, "")
    except OracleError as exc:
        raise _refuse(str(exc).strip()) from None
    first, last = PLAUSIBLE_YEARS
    if not first <= when.year < last:
        raise _refuse(f"{text} is outside the plausible window {first}-01-01 .. {last}-01-01")
    return text


def existing_file(text: str) -> str:
    """A file to read. A missing one is left to the command (it names what it looked for); a directory is
    refused here."""
    if Path(text).is_dir():
        raise _refuse(f"{text} is a directory, not a file")
    return text

"""Errors a user can act on: the CLI prints them as one clear line (no traceback) and exits non-zero."""


class OracleError(Exception):
    """A problem the user can fix (bad input, missing configuration, unmet precondition)."""


class ConfigError(OracleError):
    """Missing or inconsistent configuration."""

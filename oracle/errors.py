"""Errors a user can act on: the CLI prints them as one clear line (no traceback) and exits non-zero."""


class OracleError(Exception):
    """A problem the user can fix (bad input, missing configuration, unmet precondition)."""


class ConfigError(OracleError):
    """Missing or inconsistent configuration."""


class EnvironmentProblem(OracleError):
    """Something outside the user's input is wrong: a database or chain that does not answer, a home that
    cannot be written, another process holding a lock. The CLI exits 1 for these, 2 for user mistakes."""


class AlreadyRunning(EnvironmentProblem):
    """Another process does the same work right now (an `oracle up`, an `epoch run` of the same community)."""


def read_json_file(path, what: str = "file"):
    """Parses a JSON file a user gave; a missing or malformed one is an OracleError naming line and column."""
    import json
    from pathlib import Path

    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise OracleError(f"{path}: no such {what}") from None
    except UnicodeDecodeError:
        raise OracleError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise OracleError(f"{path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg})") from None

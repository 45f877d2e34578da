"""Errors that reach the user.

Every error raised for bad input derives from :class:`NeorealismError` and
carries a message that names the field (or file, line and column) and what is
allowed, so that the CLI can print it without a traceback.
"""

from __future__ import annotations


class NeorealismError(Exception):
    """Base class of all user-facing errors."""


class ScenarioError(NeorealismError, ValueError):
    """A scenario file or mapping is malformed or out of range.

    ``problems`` holds one line per problem, each naming the field path,
    the bad value and the allowed range or type.
    """

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid scenario {source}:\n{lines}")


class DataError(NeorealismError, ValueError):
    """A data file is missing, malformed or truncated (names file, line, column)."""


class ParameterError(NeorealismError, ValueError):
    """A run-time option is out of range (names the option and the allowed range)."""

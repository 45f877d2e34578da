"""Errors that reach the user.

Every error raised for bad input derives from :class:`NeorealismError` and
carries a message that names the field (or file, line and column) and what is
allowed, so that the CLI can print it without a traceback.
"""

from __future__ import annotations


class NeorealismError(Exception):
    """Base class of all user-facing errors."""


#: Most problems a :class:`ScenarioError` message lists (all are kept in ``problems``).
MAX_PROBLEMS_SHOWN = 20


class ScenarioError(NeorealismError, ValueError):
    """A scenario file or mapping is malformed or out of range.

    ``problems`` holds one line per problem, each naming the field path,
    the bad value and the allowed range or type.  One problem makes a
    one-line message; several are listed one per line (at most
    :data:`MAX_PROBLEMS_SHOWN`, then how many more).
    """

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        if len(self.problems) == 1:
            # one problem, one line (the CLI prints it as is)
            super().__init__(f"invalid scenario {source}: {self.problems[0]}")
        else:
            shown = self.problems[:MAX_PROBLEMS_SHOWN]
            lines = "\n".join(f"  - {p}" for p in shown)
            if len(self.problems) > len(shown):
                lines += f"\n  … and {len(self.problems) - len(shown)} more problems"
            super().__init__(f"invalid scenario {source} ({len(self.problems)} problems):\n{lines}")


class OverrideError(ScenarioError):
    """A ``--set PATH=VALUE`` option is malformed, names no parameter, or sets a value out of range.

    Each problem names the option (``--set war.offense_defense``), the value
    and the allowed range; one problem makes a one-line message.
    """

    def __init__(self, problems: list[str], source: str = "--set"):
        super().__init__(source, problems)
        if len(self.problems) == 1:
            self.args = (self.problems[0],)
        else:
            shown = self.problems[:MAX_PROBLEMS_SHOWN]
            lines = "\n".join(f"  - {p}" for p in shown)
            if len(self.problems) > len(shown):
                lines += f"\n  … and {len(self.problems) - len(shown)} more problems"
            self.args = (f"invalid {source} options ({len(self.problems)} problems):\n{lines}",)


class DataError(NeorealismError, ValueError):
    """A data file is missing, malformed or truncated (names file, line, column)."""


class ParameterError(NeorealismError, ValueError):
    """A run-time option is out of range (names the option and the allowed range)."""

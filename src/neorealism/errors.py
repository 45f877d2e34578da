"""Errors that reach the user.

Every error raised for bad input derives from :class:`NeorealismError` and
carries a message that names the field (or file, line and column) and what is
allowed, so that the CLI can print it without a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping


class NeorealismError(Exception):
    """Base class of all user-facing errors."""


#: Most problems a :class:`ScenarioError` message lists (all are kept in ``problems``).
MAX_PROBLEMS_SHOWN = 20


def problem_text(head: str, problems: list[str]) -> str:
    """``head: problem`` for one problem (one line, as the CLI prints it); else ``head (n problems):`` and a list
    of at most :data:`MAX_PROBLEMS_SHOWN`, then how many more."""
    if len(problems) == 1:
        return f"{head}: {problems[0]}"
    shown = problems[:MAX_PROBLEMS_SHOWN]
    lines = "\n".join(f"  - {p}" for p in shown)
    if len(problems) > len(shown):
        lines += f"\n  … and {len(problems) - len(shown)} more problems"
    return f"{head} ({len(problems)} problems):\n{lines}"


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
        super().__init__(problem_text(f"invalid scenario {source}", self.problems))


class OverrideError(ScenarioError):
    """A ``--set PATH=VALUE`` option is malformed, names no parameter, or sets a value out of range.

    Each problem names the option (``--set war.offense_defense``), the value
    and the allowed range; one problem makes a one-line message.
    """

    def __init__(self, problems: list[str], source: str = "--set"):
        super().__init__(source, problems)
        one = len(self.problems) == 1
        self.args = (self.problems[0] if one else problem_text(f"invalid {source} options", self.problems),)


class DataError(NeorealismError, ValueError):
    """A data file is missing, malformed or truncated (names file, line, column)."""


class ParameterError(NeorealismError, ValueError):
    """A run-time argument is out of range (names the argument and the allowed range).

    The domain layer names its own arguments, as Python calls them, and says
    which names those are::

        raise ParameterError(f"start = {start}: allowed {lo} ≤ start ≤ {hi}", field="start")
        raise ParameterError(f"end = {e}: allowed end ≥ start = {s}", field="end", also=("start",))

    ``field`` is the argument the message is about (the message starts with
    it); ``also`` lists other arguments it names.  ``fields`` holds them all,
    ``field`` first.  A front end that calls the arguments something else
    (the CLI's options) renders the message in its own names with
    :meth:`naming` or :func:`rename_fields`; ``str(exc)`` is always the
    domain's message.  Without ``field`` the error is a plain message that
    is never rewritten.
    """

    def __init__(self, message: str = "", *, field: str | None = None, also: Iterable[str] = ()):
        super().__init__(message)
        self.field = field
        self.fields: tuple[str, ...] = ((field,) if field else ()) + tuple(also)

    def naming(self, names: Mapping[str, str]) -> str:
        """The message with each of :attr:`fields` in ``names`` written as ``names[field]``.

        ``names`` maps an argument to what the caller calls it, e.g.
        ``{"start": "--from", "end": "--to"}``; arguments not in it keep
        their names.  Only the arguments in :attr:`fields` are renamed, and
        only where they stand as whole names (not inside another name, a
        quoted value or an option ``--start``).  A name followed by `` = ``
        becomes an option followed by its value, as on a command line, when
        the new name starts with ``-``::

            start = 1700: allowed 1816 ≤ start ≤ 2016
            --from 1700: allowed 1816 ≤ --from ≤ 2016
        """
        text = str(self)
        wanted = {f: names[f] for f in self.fields if names.get(f)}
        if not wanted:
            return text
        alternatives = "|".join(re.escape(f) for f in sorted(wanted, key=len, reverse=True))
        pattern = re.compile(rf"(?<![\w'\"`.\-])({alternatives})(?![\w'\"`\-])( = )?")

        def rename(m: re.Match[str]) -> str:
            new = wanted[m.group(1)]
            if m.group(2):
                return f"{new} " if new.startswith("-") else f"{new} = "
            return new

        return pattern.sub(rename, text)


def rename_fields(exc: BaseException, names: Mapping[str, str]) -> str:
    """The message of ``exc`` with the arguments it names written as ``names`` calls them.

    The one helper front ends use to name arguments their own way: the data
    CLI passes each command's ``{python argument: option}`` map (for
    ``neorealism data polarity``: ``{"start": "--from", "end": "--to", …}``)
    and prints the result; the top-level CLI can do the same with its
    option names.  A :class:`ParameterError` raised with ``field`` (see
    :meth:`ParameterError.naming`) is rewritten —
    ``start = 1700: allowed 1816 ≤ start ≤ 2016`` becomes
    ``--from 1700: allowed 1816 ≤ --from ≤ 2016`` — and any other exception's
    message is returned unchanged, so a handler can call it on every error.
    """
    if isinstance(exc, ParameterError):
        return exc.naming(names)
    return str(exc)


class SpecError(NeorealismError, ValueError):
    """An experiment spec is malformed or out of range (names the file, field path, line and what is allowed).

    ``problems`` holds one line per problem; one problem makes a one-line
    message, several are listed one per line (as :class:`ScenarioError`).
    """

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        super().__init__(problem_text(f"invalid experiment spec {source}", self.problems))

"""Numbers for people: shares as percentages and figures with a fixed number of digits.

Used by the run summary that each mechanism contributes to
(``Mechanism.summary``) and by the command line, so that both print alike;
and :func:`safe_text`, through which the command line prints any text it
read from the user (names, paths, values, error messages).
"""

from __future__ import annotations

import math
import re
from typing import Any


def pct(x: Any) -> str:
    """A share as a percentage with one decimal; a share strictly between 0 and 1 never reads as 0% or 100%."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    text = f"{100 * x:.1f}%"
    if 0 < x < 1 and text == "100.0%":
        return ">99.9%"
    if 0 < x < 1 and text == "0.0%":
        return "<0.1%"
    return text


def num(x: Any, digits: int = 3) -> str:
    """A figure with ``digits`` decimals (– when missing)."""
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


#: Characters that would act on a terminal rather than print: C0 controls, DEL, C1 controls (ESC
#: starts colour, title and screen codes; CSI is also U+009B), line and paragraph separators, and
#: the bidirectional overrides and isolates that reorder the text shown ("Trojan source").
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNSAFE_KEEP_LINES = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(m: re.Match[str]) -> str:
    if m.group() in _NAMED:
        return _NAMED[m.group()]
    c = ord(m.group())
    return f"\\x{c:02x}" if c <= 0xFF else f"\\u{c:04x}"


def safe_text(text: Any, *, lines: bool = False) -> str:
    """``text`` safe to print on a terminal: every control character written as a visible escape.

    ESC (``\\x1b``), the other C0 and C1 controls, DEL, the line and
    paragraph separators and the bidirectional controls become ``\\x1b``-
    or ``\\u202e``-style escapes, so a name read from a file can neither
    set the terminal's title, clear the screen, move the cursor nor reorder
    what is shown.  With ``lines=True`` a newline is kept (a message that
    lists one problem a line); otherwise it is escaped too (one line).
    Everything the command line echoes of the user's input passes through
    here.
    """
    s = text if isinstance(text, str) else str(text)
    return (_UNSAFE_KEEP_LINES if lines else _UNSAFE).sub(_escape, s)


def control_characters(text: str) -> list[str]:
    """The control characters of ``text`` that :func:`safe_text` escapes, escaped, in order of appearance."""
    return list(dict.fromkeys(_escape(m) for m in _UNSAFE.finditer(text)))

"""Numbers for people: shares as percentages and figures with a fixed number of digits.

Used by the run summary that each mechanism contributes to
(``Mechanism.summary``) and by the command line, so that both print alike.
"""

from __future__ import annotations

import math
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

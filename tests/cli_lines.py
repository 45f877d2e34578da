"""What `neorealism run` writes on stderr besides an error: its plain progress lines (cli.py's reporter).

A long run prints ``name: 49% (2,466 of 5,000 world-years), …`` every few seconds on a non-terminal,
and ``name: all N world-years simulated; writing results…`` when it has done; they are progress, not
part of an error, so the one-line error checks leave them out.
"""

import re

PROGRESS = re.compile(
    r"^[^:\n]+: (\d+% \([\d,]+ of [\d,]+ world-years\)|all [\d,]+ world-years simulated; writing results…)"
)


def error_lines(stderr: str) -> list[str]:
    """The lines of ``stderr`` that are not progress lines."""
    return [ln for ln in stderr.rstrip("\n").split("\n") if not PROGRESS.match(ln)]

"""Atomic file output: nothing half-written ever carries its final name.

Every table, plot and scenario the package writes goes to a temporary file
in the destination folder and is renamed into place (``os.replace`` is
atomic on one file system); on any error the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import ParameterError


def _atomic(path: str | os.PathLike[str], write: Callable[[str], None], overwrite: bool = True) -> Path:
    p = Path(path)
    if p.is_dir():
        raise ParameterError(f"{p} is a directory; give a file name to write to")
    if p.exists() and not overwrite:
        raise ParameterError(f"{p} exists; give --overwrite to replace it")
    blocker = next((a for a in p.parents if a.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise ParameterError(f"cannot write {p}: {blocker} is a file, not a directory")
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    os.close(fd)
    try:
        write(tmp)
        if not overwrite and p.exists():
            raise ParameterError(f"{p} exists; give --overwrite to replace it")
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return p


def atomic_write_text(path: str | os.PathLike[str], text: str, overwrite: bool = True) -> Path:
    """Write UTF-8 text (LF line ends) atomically."""

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)

    return _atomic(path, write, overwrite)


def atomic_write_csv(path: str | os.PathLike[str], df, overwrite: bool = True, **kw) -> Path:
    """Write a DataFrame as CSV atomically (LF line ends, no index)."""
    kw.setdefault("index", False)
    kw.setdefault("lineterminator", "\n")
    return _atomic(path, lambda tmp: df.to_csv(tmp, **kw), overwrite)


def save_figure(fig, path: str | os.PathLike[str], dpi: int = 120) -> Path:
    """Save a matplotlib figure as PNG atomically and close it."""
    import matplotlib.pyplot as plt

    try:
        return _atomic(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format="png"))
    finally:
        plt.close(fig)

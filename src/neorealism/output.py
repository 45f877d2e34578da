"""Atomic file output: nothing half-written ever carries its final name.

Every table, plot and scenario the package writes goes to a temporary file
in the destination folder and is renamed into place (``os.replace`` is
atomic on one file system); on any error the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from .errors import ParameterError


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _new_temp(folder: str | os.PathLike[str], name: str) -> str:
    """An empty hidden temporary file ``.NAME.XXXX.tmp`` in ``folder``, readable as a normal new file.

    ``mkstemp`` creates files private to their owner (0600); a result renamed
    from it should carry the permissions any new file gets (0666 less the umask).
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
    finally:
        os.close(fd)
    return tmp


def file_in_the_way(path: str | os.PathLike[str]) -> Path | None:
    """The nearest existing ancestor of ``path`` when it is not a folder (so nothing can be created there)."""
    blocker = next((a for a in Path(path).absolute().parents if a.exists()), None)
    return blocker if blocker is not None and not blocker.is_dir() else None


def check_out_file(path: str | os.PathLike[str], overwrite: bool = True, option: str | None = None) -> Path:
    """Refuse a file target that cannot be written: a folder, an existing file without
    ``overwrite``, or a path under a file.  Nothing is created.  ``option`` (e.g. ``--out``)
    words the message for the command line."""
    p = Path(path)
    who = f"{option} {p}" if option else str(p)
    if p.is_dir():
        hint = "give the path of the file to write" if option else "give a file name to write to"
        raise ParameterError(f"{who} is a {'folder' if option else 'directory'}; {hint}")
    if p.exists() and not overwrite:
        raise ParameterError(f"{who} exists; give --overwrite to replace it")
    blocker = file_in_the_way(p)
    if blocker is not None:
        where = f"{who}: " if option else f"cannot write {p}: "
        raise ParameterError(f"{where}{blocker} is a file, not a {'folder' if option else 'directory'}")
    return p


def _atomic(path: str | os.PathLike[str], write: Callable[[str], None], overwrite: bool = True) -> Path:
    p = check_out_file(path, overwrite)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = _new_temp(p.parent, p.name)
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


def check_out_folder(out: str | os.PathLike[str], option: str = "--out") -> Path:
    """Refuse an output folder that cannot be one (an existing file, or a path under a file); nothing is created."""
    d = Path(out)
    if d.exists() and not d.is_dir():
        what = "is a file" if d.is_file() else "exists and is"
        raise ParameterError(f"{option} {d} {what}, not a folder")
    blocker = file_in_the_way(d)
    if blocker is not None:
        raise ParameterError(f"{option} {d}: {blocker} is a file, not a folder")
    return d


@contextlib.contextmanager
def atomic_file_set(
    folder: str | os.PathLike[str], names: Sequence[str], overwrite: bool = True, option: str = "--out"
) -> Iterator[dict[str, Path]]:
    """Write a command's set of named files into ``folder``: all of them, or none.

    Yields ``{name: staging path}``: hidden temporary files in ``folder``
    (``.NAME.XXXX.tmp``, like :func:`_atomic`'s), to be written with the
    atomic helpers above (:func:`atomic_write_csv`, :func:`atomic_write_text`,
    :func:`save_figure`).  When the block ends without an error and every
    file has been written, each is renamed onto its name (replacing an
    earlier file of that name); on any error every staged file is removed and
    the earlier files are left as they were.  Other files in ``folder`` are
    never touched.  The folder is created (with its parents) on entry;
    ``folder`` that is a file is a :class:`ParameterError`, and so is an
    existing named file when ``overwrite`` is false.

    The renames are one ``os.replace`` per file: each file is always whole,
    and the set changes only once every new file is complete; only a crash
    between two renames (microseconds) could leave old and new files mixed.
    """
    d = check_out_folder(folder, option)
    if not overwrite:
        existing = [n for n in names if (d / n).exists()]
        if existing:
            raise ParameterError(f"{option} {d} already holds {', '.join(existing)}; give --overwrite to replace them")
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError(f"{option} {d}: cannot create folder ({exc.strerror})") from None
    for n in names:
        if (d / n).is_dir():
            raise ParameterError(f"{option} {d}: {d / n} is a folder; cannot replace it with a file")
    staged: dict[str, Path] = {}
    try:
        for n in names:
            staged[n] = Path(_new_temp(d, n))
        yield dict(staged)
        unwritten = [n for n, p in staged.items() if not p.is_file() or p.stat().st_size == 0]
        if unwritten:
            raise RuntimeError(f"atomic_file_set: nothing written for {', '.join(unwritten)}")
        for n, p in staged.items():
            os.replace(p, d / n)
    finally:
        for p in staged.values():
            with contextlib.suppress(OSError):
                p.unlink()


def save_figure(fig, path: str | os.PathLike[str], dpi: int = 120) -> Path:
    """Save a matplotlib figure as PNG atomically and close it."""
    import matplotlib.pyplot as plt

    try:
        return _atomic(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format="png"))
    finally:
        plt.close(fig)

"""Which data files the data layer reads: one object naming every COW and regime-score file.

A :class:`DataSource` holds one field per file the package reads (``nmc``,
``majors``, ``wars``, ``capitals`` …).  ``None`` means the copy shipped in
``neorealism/data/files``; a path reads that file instead (a user's newer
release, or an edited copy, in the same layout).  Every function of
:mod:`neorealism.data` takes it as ``source=`` (``None`` = all shipped)::

    from neorealism.data import DataSource, polarity_history

    src = DataSource(nmc="NMC-7.1.csv")              # a newer NMC release, the rest shipped
    hist = polarity_history(source=src)
    src2 = src.replace(majors="my-majors.csv")        # also another major-power list

The NMC *version* (6.0 or 7.0) stays a separate argument of the functions
(``version=`` / ``nmc=``): it picks which shipped NMC file is read when
``nmc`` is ``None``, and labels the results; a given ``nmc`` file wins.

Errors about a file are :class:`DataFileError` (a
:class:`~neorealism.errors.DataError`): the message names the data and the
file — ``COW NMC file /tmp/x.csv, line 4, column 4 (milex): …`` — never a
command-line option; ``kind`` says which file it is, so that the CLI can
name the option that gave it (:meth:`DataFileError.naming`).

This module imports no pandas or NumPy: it is cheap to import.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataError, ParameterError

#: Folder of the shipped files.
FILES_DIR = Path(__file__).resolve().parent / "files"
COW_DIR = FILES_DIR / "cow"
DEMOCRACY_DIR = FILES_DIR / "democracy"

#: NMC versions shipped, with their file names.
NMC_FILES: dict[str, str] = {"6.0": "NMC-60-abridged.csv", "7.0": "NMC-70-abridged.csv"}

#: Every file a :class:`DataSource` names: kind → (shipped file under ``files/`` or None for NMC, human name).
FILES: dict[str, tuple[str | None, str]] = {
    "nmc": (None, "COW NMC file"),
    "states": ("cow/states2016.csv", "COW state list"),
    "system": ("cow/system2016.csv", "COW state-year list"),
    "majors": ("cow/majors2016.csv", "COW major-power list"),
    "wars": ("cow/Inter-StateWarData_v4.0.csv", "COW inter-state war participant file"),
    "war_dyads": ("cow/interstate_war_v4.0_dyad_year.csv", "COW inter-state war dyad-year file"),
    "mida": ("cow/MIDA_5.0.csv", "COW MID dispute file (MIDA)"),
    "midb": ("cow/MIDB_5.0.csv", "COW MID participant file (MIDB)"),
    "alliances": ("cow/alliance_v4.1_dyad_year.csv", "COW alliance dyad-year file"),
    "contiguity": ("cow/contiguity_direct_v3.2.csv", "COW direct contiguity file"),
    "capitals": ("cow/capitals.csv", "capitals file"),
    "democracy": ("democracy/ccode_democracy.csv", "democracy (regime scores) file"),
}


def nmc_version(version: Any) -> str:
    """``"6.0"`` or ``"7.0"`` from a version given as 6, "6", 6.0 …; else :class:`ParameterError`."""
    v = str(version).strip()
    if v in ("6", "7"):
        v += ".0"
    if v not in NMC_FILES:
        raise ParameterError(f"NMC version must be one of {', '.join(NMC_FILES)}, got {version!r}")
    return v


def shipped_path(kind: str, version: str = "6.0") -> Path:
    """Path of the shipped file of ``kind`` (for ``nmc``: of NMC ``version``)."""
    _check_kind(kind)
    if kind == "nmc":
        return COW_DIR / NMC_FILES[nmc_version(version)]
    rel = FILES[kind][0]
    assert rel is not None
    return FILES_DIR / rel


def file_label(kind: str) -> str:
    """The human name of a file for messages: ``"COW NMC file"``, ``"COW major-power list"`` …"""
    _check_kind(kind)
    return FILES[kind][1]


def _check_kind(kind: str) -> None:
    if kind not in FILES:
        raise ParameterError(f"data file kind must be one of {', '.join(FILES)}, got {kind!r}")


class DataFileError(DataError):
    """A data file is missing, malformed or truncated: names the data, the file and where in it.

    ``kind`` is the :class:`DataSource` field of the file (``nmc``,
    ``majors`` …), ``path`` the file, ``where`` the place in it
    (``", line 4, column 4 (milex)"`` or ``""``) and ``detail`` what is
    wrong.  ``str(exc)`` is ``"<human name> <path><where>: <detail>"``.
    """

    def __init__(self, kind: str, path: str | os.PathLike[str], detail: str, where: str = ""):
        self.kind = kind
        self.path = Path(path)
        self.where = where
        self.detail = detail
        super().__init__(f"{file_label(kind)} {self.path}{where}: {detail}")

    def naming(self, option: str) -> str:
        """The message with the command-line option that gave the file in front (one line)."""
        return f"{option} {self.path} ({file_label(self.kind)}){self.where}: {self.detail}"


PathLike = str | os.PathLike[str]


@dataclass(frozen=True, kw_only=True)
class DataSource:
    """The data files to read; each ``None`` (the shipped copy) or a path to read instead.

    Fields (keyword-only): ``nmc`` (National Material Capabilities, any
    version's layout), ``states``, ``system``, ``majors``, ``wars`` (war
    participants), ``war_dyads``, ``mida``, ``midb``, ``alliances``,
    ``contiguity``, ``capitals``, ``democracy``.  Paths are stored as
    :class:`~pathlib.Path` with ``~`` expanded.  Frozen and hashable.
    """

    nmc: Path | None = None
    states: Path | None = None
    system: Path | None = None
    majors: Path | None = None
    wars: Path | None = None
    war_dyads: Path | None = None
    mida: Path | None = None
    midb: Path | None = None
    alliances: Path | None = None
    contiguity: Path | None = None
    capitals: Path | None = None
    democracy: Path | None = None

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (str, os.PathLike)):
                raise ParameterError(
                    f"DataSource.{f.name} ({file_label(f.name)}) must be a file path or None, got {v!r}"
                )
            object.__setattr__(self, f.name, Path(v).expanduser())

    @classmethod
    def default(cls) -> DataSource:
        """Every file the shipped copy."""
        return cls()

    @classmethod
    def kinds(cls) -> tuple[str, ...]:
        """The files a source names, in field order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    def replace(self, **files: PathLike | None) -> DataSource:
        """A copy with some files changed (``None`` goes back to the shipped copy)."""
        bad = [k for k in files if k not in FILES]
        if bad:
            raise ParameterError(
                f"unknown data file(s) {', '.join(map(repr, bad))}; known: {', '.join(FILES)}"
            )
        return dataclasses.replace(self, **files)  # type: ignore[arg-type]

    def path(self, kind: str, version: str = "6.0") -> Path:
        """The file read for ``kind``: the one given, else the shipped one (NMC: of ``version``)."""
        _check_kind(kind)
        given = getattr(self, kind)
        return shipped_path(kind, version) if given is None else given

    def is_shipped(self, kind: str) -> bool:
        """Whether ``kind`` is read from the shipped copy."""
        _check_kind(kind)
        return getattr(self, kind) is None

    def overrides(self) -> dict[str, Path]:
        """The files given (not shipped): kind → path, in field order."""
        return {k: getattr(self, k) for k in self.kinds() if getattr(self, k) is not None}

    @staticmethod
    def label(kind: str) -> str:
        """The human name of a file for messages (see :func:`file_label`)."""
        return file_label(kind)

    def __repr__(self) -> str:
        given = ", ".join(f"{k}={str(v)!r}" for k, v in self.overrides().items())
        return f"DataSource({given})"


def as_source(source: DataSource | None) -> DataSource:
    """``source``, or the shipped files for ``None``; anything else is a :class:`ParameterError`."""
    if source is None:
        return _DEFAULT
    if not isinstance(source, DataSource):
        raise ParameterError(
            "source must be a neorealism.data.DataSource (e.g. DataSource(nmc='file.csv')) or None, "
            f"got {source!r}"
        )
    return source


_DEFAULT = DataSource()

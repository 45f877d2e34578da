"""The Python API that the command line, experiments, sweeps and the dashboard share.

>>> from neorealism import api                                          # doctest: +SKIP
>>> res = api.run("multipolar", worlds=500, years=200, seed=1, overrides={"war.cost": 0.1})
>>> res.system.groupby("year").polarity.value_counts(normalize=True)
>>> out = api.run_to_dir("bipolar", "results/bipolar", worlds=100)     # run, or re-use an identical result
>>> out.reused, out.path, out.summary()["wars_started"]

Everything the ``neorealism run`` command does lives here: loading a
scenario by name (with "did you mean" for a misspelt built-in), overrides
(``{"war.cost": 0.1}``, ``war__cost=0.1`` or ``["war.cost=0.1"]``),
checking the run settings, bounding the memory a chunk of worlds takes,
refusing a run that cannot fit on the disk, running into a result directory
or re-using the identical complete result already there, the initial
structure of a scenario and the summary of a result.  The CLI only parses
options and renders what these functions return.

Importing this module is cheap (the engine, pandas and the result writer
are imported by the functions that need them), so that ``neorealism
--help`` answers at once.

Errors are :mod:`neorealism.errors` exceptions whose message names the
argument (``worlds = 0: allowed 1 ≤ worlds ≤ 10000000``); those about run
arguments carry a ``template`` that :func:`error_text` renders with other
names (the CLI's ``--worlds``).
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import re
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import NeorealismError, OverrideError, ParameterError, ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    from .engine import SimulationResult
    from .results import ResultSet
    from .scenario import Scenario

__all__ = [
    "CHUNK_MEMORY_BYTES",
    "DEFAULT_CHUNK_SIZE",
    "STATES_RECORDED",
    "RunOutcome",
    "check_disk",
    "chunk_size_for",
    "default_out_dir",
    "did_you_mean",
    "error_text",
    "experiment",
    "query",
    "sweep",
    "initial_structure",
    "load",
    "memory_chunk_size",
    "prepare",
    "previous_identical_run",
    "run",
    "run_to_dir",
    "summary",
    "with_overrides",
]

#: What a run may keep of the state rows (the engine's ``STATES_RECORDED``; a test checks they agree).
STATES_RECORDED: tuple[str, ...] = ("all", "ends", "none")
#: Bounds of the run settings (those of :mod:`neorealism.scenario` and :mod:`neorealism.engine`, kept
#: here so that a bad option is refused before those load; a test checks they agree).
MAX_WORLDS = 10_000_000
MAX_YEARS = 10_000
MAX_SEED = 2**63 - 1
MAX_CHUNK_SIZE = 1_000_000
#: Memory one chunk of worlds may take while it is simulated and tabulated.  The chunk
#: size is lowered to stay within it (results do not depend on the chunk size).
CHUNK_MEMORY_BYTES = 1 << 30
#: Measured peak bytes per recorded state-year while a chunk is simulated and turned into
#: tables (≈ 200–310 for 14–400 states), per world-year of system rows and events, and
#: per state pair of a world (the (R, N, N) arrays of alliances, distances, threat).
_BYTES_PER_STATE_YEAR = 320
_BYTES_PER_WORLD_YEAR = 200
_BYTES_PER_STATE_PAIR = 32
#: Fewest bytes a row takes on disk (zstd Parquet; measured ≈ 13 per state row, 16 per
#: system row): used only to refuse runs that surely cannot fit on the disk.
_MIN_DISK_BYTES_PER_ROW = 8
#: Chunk size when none is given (and memory allows it).
DEFAULT_CHUNK_SIZE = 1000

#: How the API's own messages name its arguments (the CLI renders them with its option names).
API_NAMES: dict[str, str] = {
    "worlds": "worlds", "years": "years", "seed": "seed", "chunk_size": "chunk_size", "states": "states",
    "out": "out", "overwrite": "overwrite=True", "overrides": "overrides",
}


# --------------------------------------------------------------------------- errors naming arguments


class _Overrides:
    """``{overrides:years}`` in a template: ``overrides['years']`` here, ``--set years`` in the CLI."""

    def __init__(self, name: str):
        self.name = name

    def __format__(self, spec: str) -> str:
        if not spec:
            return self.name
        return f"{self.name} {spec}" if self.name.startswith("-") else f"{self.name}[{spec!r}]"


def _render(template: str, names: Mapping[str, str]) -> str:
    table = {**API_NAMES, **names}
    return template.format_map({k: _Overrides(v) if k == "overrides" else v for k, v in table.items()})


def _lit(value: Any) -> str:
    """A value inside a template, its braces escaped."""
    return str(value).replace("{", "{{").replace("}", "}}")


def _error(cls: type[NeorealismError], template: str) -> NeorealismError:
    """``cls`` with the message ``template`` in the API's names; the template is kept for :func:`error_text`."""
    exc = cls(_render(template, {}))
    exc.template = template  # type: ignore[attr-defined]
    return exc


def error_text(exc: BaseException, names: Mapping[str, str]) -> str:
    """The message of ``exc``, run arguments named by ``names`` (e.g. ``{"worlds": "--worlds"}``) when it names any."""
    template = getattr(exc, "template", None)
    return _render(template, names) if isinstance(template, str) else str(exc)


def _check_range(name: str, value: int | None, lo: int, hi: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise _error(ParameterError, f"{{{name}}} = {_lit(repr(value))}: expected an integer in [{lo}, {hi}]")
    if not (lo <= value <= hi):
        raise _error(ParameterError, f"{{{name}}} = {value}: allowed {lo} ≤ {{{name}}} ≤ {hi}")


def _check_states(states: str) -> str:
    states = getattr(states, "value", states)  # an Enum member (the CLI's choice) is its value
    if states not in STATES_RECORDED:
        raise _error(ParameterError, f"{{states}} = {_lit(repr(states))}: allowed {', '.join(STATES_RECORDED)}")
    return states


# --------------------------------------------------------------------------- scenarios and overrides


def load(scenario: Scenario | str | Path) -> Scenario:
    """A scenario: given as is, a built-in by name, or a scenario file by path.

    A name that is neither a built-in nor an existing file is refused with the
    closest built-in names (case-insensitive): ``Bipolar`` → ``bipolar``.
    """
    from .scenario import Scenario, builtin_names, load_scenario

    if isinstance(scenario, Scenario):
        return scenario
    s = str(scenario)
    names = builtin_names()
    p = Path(s)
    if s not in names and p.suffix.lower() not in (".yaml", ".yml") and not p.exists():
        raise ScenarioError(
            s, [f"neither a built-in scenario nor an existing .yaml file; {did_you_mean(s, names)}"
                f"built-ins: {', '.join(names)}"]
        )
    return load_scenario(s)


def did_you_mean(name: str, names: Sequence[str]) -> str:
    """``"did you mean bipolar? "`` when ``name`` is close to one of ``names`` (case-insensitive), else ``""``."""
    lower = {n.lower(): n for n in names}
    if name.lower() in lower:
        close = [lower[name.lower()]]
    else:
        close = [lower[c] for c in difflib.get_close_matches(name.lower(), list(lower), n=2, cutoff=0.75)]
    return f"did you mean {' or '.join(close)}? " if close else ""


def _overrides_from_mapping(sc: Scenario, items: Mapping[str, Any]) -> Scenario:
    """``sc`` with ``{"war.cost": 0.1}`` applied: paths as ``--set`` takes them, values as Python values."""
    from .scenario import _override_loc, apply_given

    problems: list[str] = []
    given: dict[tuple[Any, ...], tuple[str, Any]] = {}
    for path, value in items.items():
        label = str(path)
        loc, problem = _override_loc(label)
        if loc is None:
            problem = problem.replace("--set can change", "overrides can change").replace("--set takes", "overrides take")
            problems.append(f"{label}: {problem.replace('--set ', '')}")
            continue
        if loc in given:
            problems.append(f"{label}: given more than once (also as {given[loc][0]}); give each path once")
            continue
        given[loc] = (label, value)
    if problems:
        raise OverrideError(problems, source="overrides")
    return apply_given(sc, given, source="overrides")


def with_overrides(
    scenario: Scenario | str | Path,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    /,
    **kw: Any,
) -> Scenario:
    """``scenario`` with values changed, validated exactly as a scenario file is.

    Three forms, which may be combined (a path given twice is refused)::

        with_overrides(sc, {"war.cost": 0.1, "years": 50})     # a mapping of paths to values
        with_overrides(sc, war__cost=0.1, years=50)             # keywords: "__" for "."
        with_overrides(sc, ["war.cost=0.1", "years=50"])        # the CLI's --set PATH=VALUE strings

    A path is a parameter under ``params`` (the prefix is optional) or one of
    ``years``, ``worlds``, ``seed``, ``start_year``.  String values are read
    as YAML scalars (as on the command line); mapping and keyword values are
    taken as they are.  Errors (:class:`~neorealism.errors.OverrideError`)
    name the path and the allowed range.
    """
    from .scenario import apply_overrides

    sc = load(scenario)
    mapping: dict[str, Any] = {}
    if isinstance(overrides, Mapping):
        mapping.update({str(k): v for k, v in overrides.items()})
    elif isinstance(overrides, str):
        raise OverrideError([f"overrides = {overrides!r}: give a mapping {{'war.cost': 0.1}} or a list of 'PATH=VALUE' strings"], source="overrides")
    elif overrides is not None:
        sc = apply_overrides(sc, list(overrides))
    for key, value in kw.items():
        path = key.replace("__", ".")
        if path in mapping:
            raise OverrideError([f"{path}: given both in the mapping and as the keyword {key}; give it once"], source="overrides")
        mapping[path] = value
    return _overrides_from_mapping(sc, mapping) if mapping else sc


def _override_keys(overrides: Mapping[str, Any] | Sequence[str] | None) -> list[str]:
    if overrides is None or isinstance(overrides, str):
        return []
    if isinstance(overrides, Mapping):
        keys = [str(k) for k in overrides]
    else:
        keys = [str(item).partition("=")[0].strip() for item in overrides]
    return [k.removeprefix("params.") for k in keys]


def prepare(
    scenario: Scenario | str | Path,
    *,
    worlds: int | None = None,
    years: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
) -> Scenario:
    """The scenario a run simulates: loaded, overrides applied, then ``worlds``/``years``/``seed`` set.

    Checks the ranges first; a run setting given both as an argument and in
    ``overrides`` is refused.
    """
    _check_range("worlds", worlds, 1, MAX_WORLDS)
    _check_range("years", years, 1, MAX_YEARS)
    _check_range("seed", seed, 0, MAX_SEED)
    from .scenario import SETTABLE_TOP_LEVEL

    given = {"worlds": worlds, "years": years, "seed": seed}
    for key in _override_keys(overrides):
        if key in SETTABLE_TOP_LEVEL and given.get(key) is not None:
            raise _error(ParameterError, f"{{{key}}} and {{overrides:{key}}} both given; give one of them")
    sc = with_overrides(scenario, overrides)
    return sc.with_run(worlds=worlds, years=years, seed=seed)


# --------------------------------------------------------------------------- memory and disk


def memory_chunk_size(n_states: int, years: int, states: str) -> int:
    """Most worlds one chunk may hold so that it stays within :data:`CHUNK_MEMORY_BYTES`.

    The engine keeps the state rows it records in memory while a chunk
    runs — every year with ``states="all"``, the first and last with
    ``ends`` — and the system rows of every year.
    """
    from .engine import recorded_years

    per_world = (years + 1) * _BYTES_PER_WORLD_YEAR + n_states * n_states * _BYTES_PER_STATE_PAIR
    per_world += len(recorded_years(states, years)) * n_states * _BYTES_PER_STATE_YEAR
    return max(1, CHUNK_MEMORY_BYTES // per_world)


def chunk_size_for(scenario: Scenario, states: str = "all", chunk_size: int | None = None) -> int:
    """The chunk size a run uses: ``chunk_size`` (default :data:`DEFAULT_CHUNK_SIZE`), lowered to fit in memory."""
    _check_range("chunk_size", chunk_size, 1, MAX_CHUNK_SIZE)
    fits = memory_chunk_size(scenario.n_states, scenario.years, _check_states(states))
    return min(chunk_size if chunk_size is not None else DEFAULT_CHUNK_SIZE, fits)


def _bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError  # pragma: no cover


def check_disk(out_dir: str | Path, worlds: int, years: int, n_states: int, states: str) -> None:
    """Refuse (:class:`ParameterError`) a run whose tables surely cannot fit in the free space where they go."""
    from .engine import recorded_years

    state_rows = len(recorded_years(states, years)) * n_states
    need = worlds * (years + 1 + state_rows) * _MIN_DISK_BYTES_PER_ROW
    probe = Path(out_dir).absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return
    if need > free:
        raise _error(
            ParameterError,
            f"{{worlds}} {worlds} × {{years}} {years} × {n_states} states with {{states}} {states} would write at "
            f"least {_bytes(need)} of results, more than the {_bytes(free)} free on {_lit(probe)}; "
            + {"all": "use {states} ends or {states} none, or fewer worlds or years",
               "ends": "use {states} none, or fewer worlds or years"}.get(states, "use fewer worlds or years"),
        )


# --------------------------------------------------------------------------- running


def run(
    scenario: Scenario | str | Path,
    *,
    worlds: int | None = None,
    years: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    states: str = "all",
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    per_world: Mapping[str, Any] | None = None,
) -> SimulationResult:
    """Simulate in memory; the three tables as pandas DataFrames (:class:`neorealism.engine.SimulationResult`).

    ``per_world`` gives parameters that differ across the worlds of the run
    (``{"war.cost": one value per world, …}``): one parameter point per
    world in one batch, each world identical to a run of its point alone.

    ``scenario`` is a :class:`~neorealism.scenario.Scenario`, a built-in
    name or a file path; ``worlds``, ``years`` and ``seed`` default to the
    scenario's; ``overrides`` as in :func:`with_overrides`; ``states``
    keeps ``all`` state rows, the first and last year's (``ends``) or
    ``none``; ``progress`` is called with the world-years just completed.
    """
    from . import engine

    states = _check_states(states)
    _check_range("chunk_size", chunk_size, 1, MAX_CHUNK_SIZE)
    sc = prepare(scenario, worlds=worlds, years=years, seed=seed, overrides=overrides)
    size = chunk_size_for(sc, states, chunk_size)
    return engine.simulate(
        sc, worlds=sc.worlds, years=sc.years, seed=sc.seed, chunk_size=size, progress=progress, states=states,
        per_world=per_world,
    )


@dataclass
class RunOutcome:
    """What :func:`run_to_dir` did: where the result is, and whether an identical earlier one was re-used."""

    path: Path
    reused: bool
    scenario: Scenario
    states: str
    #: the overrides as given (a record; the scenario already has them applied)
    overrides: Any = None
    #: seconds the simulation and writing took (None when re-used)
    elapsed: float | None = None
    #: the chunk size used (None when re-used); lower than asked when memory required it
    chunk_size: int | None = None
    #: the earlier result's creation time (when re-used)
    created: str | None = None
    _summary: dict[str, Any] | None = field(default=None, repr=False)

    def load(self) -> ResultSet:
        """The result (:class:`neorealism.results.ResultSet`; close it, or use it in a ``with`` block)."""
        from .results import ResultSet

        return ResultSet.load(self.path)

    def summary(self) -> dict[str, Any]:
        """:func:`summary` of the result, with ``elapsed`` and ``reused`` (computed once)."""
        if self._summary is None:
            with self.load() as rs:
                self._summary = {**summary(rs), "elapsed": self.elapsed, "reused": self.reused}
        return self._summary


def _slug(name: str) -> str:
    s = re.sub(r"[^\w.-]+", "-", name.strip()).strip("-.")
    return s or "scenario"


def default_out_dir(scenario: Scenario) -> Path:
    """``results/<scenario name>-seed<S>`` (relative to the current directory)."""
    return Path("results") / f"{_slug(scenario.name)}-seed{scenario.seed}"


def _overrides_record(overrides: Mapping[str, Any] | Sequence[str] | None) -> Any:
    if overrides is None:
        return None
    if isinstance(overrides, Mapping):
        return {str(k): v for k, v in overrides.items()} or None
    return list(overrides) or None


def previous_identical_run(out_dir: str | Path, wanted: Mapping[str, Any]) -> ResultSet | None:
    """The complete result of exactly the run ``wanted`` (a manifest) in ``out_dir``, or None when there is none.

    Raises :class:`~neorealism.results.ResultError` when ``out_dir`` holds a
    different run (naming what differs) or a damaged one (naming the damage):
    neither is replaced without ``overwrite``.  A directory without a
    manifest is left to :class:`~neorealism.results.ResultWriter`'s own
    checks (empty, stale temp files, foreign files).
    """
    from .results import MANIFEST_NAME, ResultError, ResultSet, run_differences

    out_dir = Path(out_dir)
    if not (out_dir / MANIFEST_NAME).is_file():
        return None
    refuse = "refusing to overwrite it (use {overwrite} to replace it, or choose another {out})"
    try:
        rs = ResultSet.load(out_dir)
    except ResultError as exc:
        raise _error(ResultError, f"{_lit(out_dir)} already holds a result that cannot be re-used ({_lit(exc)}); {refuse}") from None
    diffs = run_differences(wanted, rs.manifest)
    if diffs:
        rs.close()
        raise _error(
            ResultError,
            f"{_lit(out_dir)} already holds a result of a different run ({_lit(', '.join(diffs))}: this run vs "
            f"the one there); {refuse}",
        )
    return rs


def run_to_dir(
    scenario: Scenario | str | Path,
    out: str | Path | None = None,
    *,
    worlds: int | None = None,
    years: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
    states: str = "all",
    chunk_size: int | None = None,
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
    stage: Callable[[str], None] | None = None,
) -> RunOutcome:
    """Run into the result directory ``out``, or re-use the identical complete result already there.

    Runs are deterministic (scenario with its overrides, worlds, years,
    seed, ``states``, package version and model code give identical tables,
    whatever the chunk size), so when ``out`` already holds the complete
    result of exactly this run it is re-used and nothing is computed
    (``overwrite=True`` recomputes).  A directory holding a different or a
    damaged run is refused, naming what differs.  Otherwise the worlds are
    simulated chunk by chunk (the chunk size lowered to bound memory) and
    written through :class:`~neorealism.results.ResultWriter`: one
    checksummed Parquet file per table and chunk, the manifest last, in one
    rename (with ``overwrite`` the old result stays loadable until then).

    The directory's lock (:class:`~neorealism.results.StoreLock`) is held
    from the re-use check to the publication, so a concurrent second run
    into ``out`` is refused (:class:`~neorealism.results.ResultError`).  An
    interrupted run keeps its finished chunks in a journal; the same call
    again verifies them and computes only the rest, with the journal's chunk
    size.  OS errors while writing are a ``ResultError`` naming ``out``.

    ``out`` defaults to :func:`default_out_dir`.  ``progress`` is called
    with the world-years just completed; ``stage`` with ``"simulating"``
    once the run is checked and about to start, and ``"writing results"``
    once every world is simulated and the tables are being finished.
    """
    from . import __version__
    from .results import (
        FORMAT,
        ChunkStore,
        ResultSet,
        ResultWriter,
        StoreLock,
        identity_key,
        model_fingerprint,
    )

    states = _check_states(states)
    _check_range("chunk_size", chunk_size, 1, MAX_CHUNK_SIZE)
    sc = prepare(scenario, worlds=worlds, years=years, seed=seed, overrides=overrides)
    out_dir = Path(out) if out is not None else default_out_dir(sc)
    record = _overrides_record(overrides)
    run_meta: dict[str, Any] = {
        "scenario": sc.model_dump(mode="json"),
        "seed": sc.seed,
        "worlds": sc.worlds,
        "years": sc.years,
        "states_recorded": states,
    }
    if record:
        # a record of how the scenario was changed; the changed scenario itself is what identifies the run
        run_meta["overrides"] = record

    wanted = {**run_meta, "version": __version__, "model": model_fingerprint(), "format": FORMAT}
    key = identity_key(wanted)
    size = chunk_size_for(sc, states, chunk_size)
    # The lock is held from the re-use check to publication: no other writer can slip in between.
    lock = None
    try:
        with _writing(out_dir, states):
            lock = StoreLock.acquire(out_dir)
        if not overwrite:
            previous = previous_identical_run(out_dir, wanted)
            if previous is not None:
                with previous as rs:
                    created = str(rs.manifest.get("created", "?"))
                with _writing(out_dir, states):
                    ChunkStore(out_dir).clean()
                return RunOutcome(out_dir, True, sc, states, record, created=created)
        check_disk(out_dir, sc.worlds, sc.years, sc.n_states, states)
        with _writing(out_dir, states):
            writer = ResultWriter(out_dir, overwrite=overwrite, lock=lock,
                                  resume=(key, {"chunk_size": size, "worlds": sc.worlds}))
        size = int(writer.plan.get("chunk_size", size))  # a resumed run keeps its journal's chunk boundaries
        elapsed = _simulate_into(writer, sc, states, size, run_meta, progress, stage)
    finally:
        if lock is not None:
            lock.release()
    with ResultSet.load(out_dir) as rs:
        created = str(rs.manifest.get("created", "?"))
    return RunOutcome(out_dir, False, sc, states, record, elapsed=elapsed, chunk_size=size, created=created)


@contextlib.contextmanager
def _writing(out_dir: Path, states: str):
    """An OS error while writing (disk full, permission denied) as a one-line :class:`ResultError` naming ``out``."""
    from .results import ResultError

    try:
        yield
    except ResultError as exc:
        raise _error(ResultError, _lit(exc)) from None
    except OSError as exc:
        advice = {"all": "; free space, or use {states} ends or {states} none",
                  "ends": "; free space, or use {states} none"}.get(states, "") if exc.errno == errno.ENOSPC else ""
        raise _error(ResultError, f"cannot write results to {_lit(out_dir)}: {_lit(exc.strerror or exc)}{advice}") from None


def _simulate_into(writer: Any, sc: Scenario, states: str, size: int, run_meta: Mapping[str, Any],
                   progress: Callable[[int], None] | None, stage: Callable[[str], None] | None) -> float:
    """Simulate the chunks ``writer`` has not finished yet (chunk *i* = worlds [i·size, (i+1)·size)), publish."""
    import numpy as np

    from . import engine

    total, done = sc.worlds * sc.years, 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(n)

    t0 = time.perf_counter()
    if stage is not None:
        stage("simulating")
    ok = False
    try:
        for index, lo in enumerate(range(0, sc.worlds, size)):
            hi = min(sc.worlds, lo + size)
            if index in writer.done:
                advance((hi - lo) * sc.years)  # finished before the run was interrupted: kept, not recomputed
            else:
                ids = np.arange(lo, hi, dtype=np.int64)
                traj = engine.run_batch(sc, ids, sc.years, sc.seed, record_states=states, progress=advance)
                chunk = engine.to_tables(traj, sc, states=states)
                with _writing(writer.path, states):
                    writer.write_chunk(chunk.states, chunk.system, chunk.events, index=index, worlds=(lo, hi))
            if done >= total and stage is not None:
                stage("writing results")
        with _writing(writer.path, states):
            writer.close({**run_meta, "chunk_size": size})
        ok = True
    finally:
        if not ok:
            writer.abort(keep=True)  # the finished chunks stay for the same run to resume from
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- measures and summaries


def initial_structure(scenario: Scenario | str | Path) -> dict[str, Any]:
    """Measures of a scenario's initial state: index shares, great powers, polarity, CON, HHI.

    Read by :func:`neorealism.mechanisms.polarity.read_years` on the five
    components with the scenario's ``params.measures`` rule, exactly as the
    engine reads year 0.
    """
    import numpy as np

    from .measures import POLARITY_LABELS
    from .mechanisms.polarity import read_years
    from .scenario import COMPONENTS

    sc = load(scenario)
    comp = np.array([[float(getattr(s, c)) for s in sc.states] for c in COMPONENTS])
    actors = np.array([not s.aggregate for s in sc.states])
    m = read_years(comp[None], np.ones((1, len(actors)), dtype=bool), actors, sc.params.measures)
    shares = m["power"][0]
    names = [s.name for s in sc.states]
    return {
        "shares": dict(zip(names, shares.tolist(), strict=True)),
        "great_powers": [n for n, g in zip(names, m["gp"][0].tolist(), strict=True) if g],
        "n_great_powers": int(m["n_great_powers"][0]),
        "polarity": POLARITY_LABELS[int(m["polarity"][0])],
        "con": float(m["con"][0]),
        "hhi": float(m["hhi"][0]),
    }


def summary(result_set: ResultSet | str | Path) -> dict[str, Any]:
    """The headline numbers of a result (plain data, what ``neorealism run`` prints).

    :meth:`neorealism.results.ResultSet.summary` (``years`` as (first,
    last), ``polarity`` rows, ``wars_started``, ``wars_per_world_century``,
    ``deaths``, ``deaths_per_world``, ``wars_prevented``, ``gp_initial``,
    ``gp_alive``, ``gp_still``, ``gp_survival``, ``gp_retained``, ``con``,
    ``hhi``, ``path``) plus what the run was, read from its manifest:
    ``name``, ``n_worlds`` and ``n_years`` (as asked), ``seed``,
    ``n_states``, ``start_year``, ``states_recorded``, ``overrides`` (as
    given, or None) and ``created``.
    """
    from .results import ResultSet

    if not isinstance(result_set, ResultSet):
        with ResultSet.load(result_set) as rs:
            return summary(rs)
    m = result_set.manifest
    sc = m.get("scenario") or {}
    out = dict(result_set.summary())
    out.update(
        name=sc.get("name", "?"),
        n_worlds=int(m.get("worlds") or sc.get("worlds") or 0),
        n_years=int(m.get("years") or sc.get("years") or 0),
        seed=m.get("seed", sc.get("seed")),
        n_states=len(sc.get("states") or []),
        start_year=sc.get("start_year"),
        states_recorded=m.get("states_recorded", "all"),
        overrides=m.get("overrides"),
        created=m.get("created"),
    )
    out["lines"] = summary_lines(result_set, out)
    return out


def summary_lines(result_set: Any, s: Mapping[str, Any]) -> list[str]:
    """The run summary's lines: each mechanism reports its own headline figures, in registry order."""
    from .mechanisms.registry import current

    return [line for mech in current() if mech.summary for line in mech.summary(result_set, s)]


# --------------------------------------------------------------------------- experiments


def experiment(
    spec: Any,
    out: str | Path | None = None,
    *,
    worlds: int | None = None,
    years: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Any:
    """Run an experiment (a built-in name, a spec file or an :class:`~neorealism.experiments.ExperimentSpec`).

    Returns the :class:`~neorealism.experiments.ExperimentResult` (``.summary``:
    effects, 95% intervals and verdicts); with ``out`` its folder is written
    too (Parquet, summary.csv, PNGs, report.html).  See docs/experiments.md.
    """
    from .experiments import ExperimentSpec, load_spec, run_experiment

    sp = spec if isinstance(spec, ExperimentSpec) else load_spec(spec)
    res = run_experiment(sp, worlds=worlds, years=years, seed=seed, chunk_size=chunk_size, progress=progress,
                         source=str(spec) if not isinstance(spec, ExperimentSpec) else sp.name)
    if out is not None:
        res.write(out, overwrite=overwrite)
    return res


# --------------------------------------------------------------------------- sweeps and queries


def sweep(
    spec: Any,
    out: str | Path,
    *,
    backend: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    overwrite: bool = False,
    retries: int = 2,
    progress: Callable[[int, int, int], None] | None = None,
) -> Any:
    """Run a sweep (a spec file or :class:`~neorealism.sweeps.SweepSpec`) into ``out``; resumes an interrupted one.

    ``backend``: ``sequential``, ``processes`` (a local pool of ``workers``)
    or ``dask`` (``scheduler`` ``tcp://HOST:PORT``, else a LocalCluster of
    ``workers``).  Returns the :class:`~neorealism.sweeps.runner.SweepOutcome`;
    read the rows with :func:`query` or :class:`~neorealism.sweeps.SweepResult`.
    """
    from .sweeps import evaluators
    from .sweeps.runner import run_sweep
    from .sweeps.spec import SweepSpec, load_sweep

    sp = spec if isinstance(spec, SweepSpec) else load_sweep(spec)
    if backend == "sequential":
        ev = evaluators.SequentialEvaluator(retries=retries)
    elif backend == "processes":
        ev = evaluators.ProcessPoolEvaluator(workers=workers, retries=retries)
    elif backend == "dask":
        ev = evaluators.DaskEvaluator(scheduler=scheduler, local=workers, retries=retries)
    else:
        raise ParameterError(f"backend = {backend!r}: allowed sequential, processes, dask", field="backend")
    with ev:
        return run_sweep(sp, out, evaluator=ev, overwrite=overwrite, progress=progress)


def query(folder: str | Path, sql: str, *, relation: bool = False) -> Any:
    """DuckDB ``sql`` over a run's tables (views ``states``, ``system``, ``events``) or a sweep's (view ``worlds``).

    Returns a pandas DataFrame, or with ``relation=True`` a DuckDB relation
    (lazy; ``.df()``, ``.arrow()``, further SQL).  A SQL error is a
    :class:`~neorealism.results.ResultError` naming it.
    """
    import json

    from .results import MANIFEST_NAME, ResultError, ResultSet
    from .sweeps.runner import FORMAT, SweepResult

    p = Path(folder)
    try:
        fmt = json.loads((p / MANIFEST_NAME).read_text(encoding="utf-8")).get("format")
    except (OSError, ValueError, AttributeError):
        fmt = None
    src = SweepResult.load(p) if fmt == FORMAT else ResultSet.load(p)
    try:
        import duckdb

        if isinstance(src, SweepResult):
            return src.relation(sql) if relation else src.query(sql)
        con = src._connection() if hasattr(src, "_connection") else None
        if relation and con is not None:
            return con.sql(sql)
        return src.query(sql)
    except duckdb.Error as exc:
        raise ResultError(f"SQL error: {str(exc).splitlines()[0]}") from None

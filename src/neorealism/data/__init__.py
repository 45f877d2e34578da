"""Real data: Correlates of War capabilities, states, wars, alliances, and regime scores.

- :mod:`.source` — :class:`DataSource`, the files to read (``None`` = shipped; a path reads a newer release);
- :mod:`.loaders` — one validated loader per shipped file (``source=`` reads the files a ``DataSource`` names);
- :mod:`.cinc` — CINC recomputed with :func:`neorealism.measures.composite_index`;
- :mod:`.history` — polarity, CON and HHI of the real system year by year;
- :mod:`.majors` — great powers from capabilities alone vs COW's major-power list;
- :mod:`.wars` — inter-state war onsets by polarity era and CON tercile.

Cite the sources (``neorealism data --cite`` or ``files/CITATION.md``).  The
alliance data may be used only for a scenario's starting alliances and to
show the real record beside simulated alliances (see :func:`load_alliances`).

Every function takes ``source: DataSource | None = None`` (``None``: the
shipped files).  The names below are imported on first use, so that
``import neorealism.data`` (and the CLI that imports it) does not load
pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .source import DataFileError, DataSource

#: Public name → submodule it lives in (imported on first access).
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        ["CINC_REL_TOLERANCE", "CINC_TOLERANCE", "cinc_all", "cinc_check", "cinc_table", "recompute_cinc", "within_tolerance"],
        "cinc",
    ),
    **dict.fromkeys(["plot_history", "polarity_history", "polarity_runs"], "history"),
    **dict.fromkeys(
        [
            "NMC_COMPONENTS", "alliances_in_force", "citation_text", "clear_cache", "load_alliances", "load_capitals",
            "load_contiguity", "load_democracy", "load_majors", "load_mids", "load_nmc", "load_states", "load_system",
            "load_war_dyads", "load_wars", "major_state_years", "shipped_files",
        ],
        "loaders",
    ),
    **dict.fromkeys(
        ["BASELINE", "DEFAULT_RULE", "Agreement", "GreatPowerRule", "compare_with_cow", "great_power_years", "split_validation"],
        "majors",
    ),
    **dict.fromkeys(["plot_wars", "war_onsets", "wars_by_decade", "wars_by_era", "yearly_onsets"], "wars"),
}

__all__ = [
    "Agreement",
    "BASELINE",
    "CINC_REL_TOLERANCE",
    "CINC_TOLERANCE",
    "DEFAULT_RULE",
    "DataFileError",
    "DataSource",
    "GreatPowerRule",
    "NMC_COMPONENTS",
    "alliances_in_force",
    "cinc_all",
    "cinc_check",
    "cinc_table",
    "citation_text",
    "clear_cache",
    "compare_with_cow",
    "great_power_years",
    "load_alliances",
    "load_capitals",
    "load_contiguity",
    "load_democracy",
    "load_majors",
    "load_mids",
    "load_nmc",
    "load_states",
    "load_system",
    "load_war_dyads",
    "load_wars",
    "major_state_years",
    "plot_history",
    "plot_wars",
    "polarity_history",
    "polarity_runs",
    "recompute_cinc",
    "shipped_files",
    "split_validation",
    "war_onsets",
    "wars_by_decade",
    "wars_by_era",
    "within_tolerance",
    "yearly_onsets",
]


def __getattr__(name: str) -> Any:
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{mod}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from .cinc import (
        CINC_REL_TOLERANCE,
        CINC_TOLERANCE,
        cinc_all,
        cinc_check,
        cinc_table,
        recompute_cinc,
        within_tolerance,
    )
    from .history import plot_history, polarity_history, polarity_runs
    from .loaders import (
        NMC_COMPONENTS,
        alliances_in_force,
        citation_text,
        clear_cache,
        load_alliances,
        load_capitals,
        load_contiguity,
        load_democracy,
        load_majors,
        load_mids,
        load_nmc,
        load_states,
        load_system,
        load_war_dyads,
        load_wars,
        major_state_years,
        shipped_files,
    )
    from .majors import (
        BASELINE,
        DEFAULT_RULE,
        Agreement,
        GreatPowerRule,
        compare_with_cow,
        great_power_years,
        split_validation,
    )
    from .wars import plot_wars, war_onsets, wars_by_decade, wars_by_era, yearly_onsets

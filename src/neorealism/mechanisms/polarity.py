"""Measuring the structure: power shares, great powers, polarity and concentration.

Structural realism reads the system's structure off the distribution of
material capabilities (Waltz 1979, ch. 5).  At the end of every year (and at
year 0) this mechanism computes each state's composite index (the CINC form
of Singer, Bremer & Stuckey 1972), which states are great powers, the
polarity, Ray & Singer's (1973) concentration CON and the HHI, with the
functions of :mod:`neorealism.measures` that the data layer uses on real COW
data, so simulated and real systems are measured alike.  Next year's
perception and threat read the ``power`` it leaves in the state.

Great powers (``gp_rule``, default ``cow``): the rule the data layer
validated against COW's major-power list (``neorealism.data.majors``
``DEFAULT_RULE``: F1 0.915 on NMC v6.0, 1816–2016).  Its score weights
military capability twice and energy once — military power backed by
latent, industrial power (Mearsheimer 2001, ch. 3) — with the from-data
mapping of COW's indicators onto the engine's components (military ← milex
and milper, resources ← pec; ``docs/great-powers.md`` gives the mapping
and its limits).  The bar is system-relative: a score of at least
``gp_concentration`` × Σs²/Σs, the capability-weighted mean score, i.e. a
share of ``gp_concentration`` / N_eff with N_eff = 1/HHI the effective
number of powers (Laakso & Taagepera 1979).  Status persists: a state
becomes a great power after ``gp_enter`` consecutive years above the bar and
stops being one after ``gp_exit`` consecutive years below it, because
great-power standing rests on sustained capability (Levy 1983, ch. 2); at
year 0 each state takes the status its raw reading gives, as a state does
in its first year of the COW data.  The counters are state fields updated
at the measure stage with :func:`neorealism.measures.hysteresis_step`, the
one implementation the data layer also runs.  The former bare bars stay
selectable: ``share`` (index share ≥ ``gp_threshold``) and ``relative``
(≥ ``gp_relative`` × the leader's share), read each year afresh.

Under the ``cow`` rule the yearly reading runs as one compiled pass
(:mod:`.polarity_kernels`): the same numbers as :func:`read_year`, bit for bit.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from .. import measures
from ..kernels import use_kernels
from ..schema import StrictModel
from ..state import COMPONENTS
from .base import (
    Measure,
    Mechanism,
    StateField,
    Step,
    field_reader,
    laid_out,
    memo,
    per_world_vector,
)


class MeasureParams(StrictModel):
    """How great powers and polarity are read from the distribution of power (Waltz 1979; Levy 1983)."""

    gp_rule: Literal["cow", "share", "relative"] = Field(
        default="cow",
        description="cow: the data layer's rule validated against COW's major-power list (2 × military + "
                    "resources, score ≥ gp_concentration × Σs²/Σs, entry after gp_enter years, exit after "
                    "gp_exit; Levy 1983); share: power share ≥ gp_threshold; relative: share ≥ gp_relative × "
                    "leader's share",
    )
    gp_threshold: float = Field(default=0.10, gt=0.0, le=1.0, description="share of system power that makes a great power (rule 'share')")
    gp_relative: float = Field(default=0.25, gt=0.0, le=1.0, description="fraction of the leader's share that makes a great power (rule 'relative')")
    gp_concentration: float = Field(
        default=measures.COW_CONCENTRATION, gt=0.0, le=1.0,
        description="rule 'cow': the bar, a fraction of the capability-weighted mean score Σs²/Σs "
                    "(Laakso & Taagepera 1979); 0.2 as validated on COW data",
    )
    gp_enter: int = Field(default=measures.COW_ENTER, ge=1, le=50, description="rule 'cow': consecutive years above the bar before a state becomes a great power")
    gp_exit: int = Field(default=measures.COW_EXIT, ge=1, le=50, description="rule 'cow': consecutive years below the bar before a great power loses the status")


def read_year(comps, alive, actor, p, seen, status, up, down) -> dict:
    """One year's reading of the structure from the five components ``(..., 5, N)``.

    ``p`` is the ``measures`` parameter group; ``seen``, ``status``, ``up``,
    ``down`` carry the ``cow`` rule's persistence from the year before (all
    False / 0 for a first year: each state then takes its raw reading).
    Returns the index ``power``, the rule's ``gp`` mask, the new persistence
    state and the system measures.  The engine calls it once a year
    (:func:`measure`); :func:`read_years` over a path of real or scenario
    years, so both are measured the same way.
    """
    shares = measures.component_shares(comps, alive)  # once, for both the index and the rule's score
    power = measures.composite_index(comps, alive, shares=shares)
    score, defined = measures.weighted_index(None, measures.COW_WEIGHTS, alive, shares=shares)
    score = np.where(actor, score, 0.0)  # an aggregate is never a great power nor a unit of the bar
    raw = measures.concentration_bar(score, p.gp_concentration)
    status, up, down = measures.hysteresis_step(raw, alive, seen, status, up, down, p.gp_enter, p.gp_exit, defined)
    rule = p.gp_rule  # a name, or one per world as an (R, 1) column
    gp = status
    if isinstance(rule, np.ndarray) or rule != "cow":  # the bare bars, read on the index every year afresh
        bare = measures.great_powers(np.where(actor, power, 0.0), rule, p.gp_threshold, p.gp_relative)
        gp = np.where(rule == "cow", status, bare)
    m = measures.system_measures(power, actors=actor, gp=gp)
    return {"power": power, "status": status, "up": up, "down": down, **m}


def read_years(components, present, actors, p) -> dict:
    """The structure of a path of years, ``components`` ``(Y, 5, N)``, ``present`` ``(Y, N)``.

    The engine's rule with its persistence carried from year to year (a
    state's first present year takes its raw reading).  Returns per-year
    arrays: ``power`` and ``gp`` ``(Y, N)``, ``n_great_powers``,
    ``polarity``, ``con``, ``hhi`` ``(Y,)``.
    """
    comps = np.asarray(components, dtype=np.float64)
    present = np.asarray(present, dtype=bool)
    actors = np.asarray(actors, dtype=bool)
    N = comps.shape[-1]
    seen = np.zeros(N, dtype=bool)
    status = np.zeros(N, dtype=bool)
    up = np.zeros(N, dtype=np.int64)
    down = np.zeros(N, dtype=np.int64)
    out: dict[str, list] = {k: [] for k in ("power", "gp", "n_great_powers", "polarity", "con", "hhi")}
    for y in range(comps.shape[0]):
        r = read_year(comps[y], present[y], actors, p, seen, status, up, down)
        seen, status, up, down = present[y], r["status"], r["up"], r["down"]
        for k in out:
            out[k].append(r[k])
    return {k: np.stack(v) for k, v in out.items()}


def _measure_kernel(state, params):
    """The measure step's fields from the compiled kernel (the same numbers), or None where it does not apply.

    It applies to the ``cow`` rule in every world (the default); the bare bars run the NumPy form.
    The per-world parameters are laid out for the kernel once a batch (:func:`.base.memo`).
    """
    p = params.measures
    if isinstance(p.gp_rule, np.ndarray) or p.gp_rule != "cow":
        return None
    R, N = state.shape
    from . import polarity_kernels as k

    if N > k.MAX_N:
        return None
    fields = [getattr(state, c) for c in COMPONENTS]
    if not len(measures.COW_WEIGHTS) == len(COMPONENTS) == 5 or any(  # the five read_cow_fields stacks
            x.shape != (R, N) or x.dtype != np.float64 for x in fields):
        return None
    weights, conc, enter, exit_, actor = memo(params, ("measures.cow", R), lambda: (
        np.asarray(measures.COW_WEIGHTS, dtype=np.float64), per_world_vector(p.gp_concentration, R, np.float64),
        per_world_vector(p.gp_enter, R, np.int64), per_world_vector(p.gp_exit, R, np.int64),
        np.ascontiguousarray(params.actor, dtype=np.bool_)))
    power, status, up, down, n_gp, pol, con, hhi, lead = k.read_cow_fields(
        *fields, laid_out(state.alive, (R, N), np.bool_), actor, weights, conc, enter, exit_,
        *(laid_out(x, (R, N), t) for x, t in (
            (state.gp_seen, np.bool_), (state.gp_status, np.bool_), (state.gp_up, np.int64), (state.gp_down, np.int64))),
    )
    return {"power": power, "gp_status": status, "gp_up": up, "gp_down": down, "gp_seen": state.alive,
            "great_power": status, "n_great_powers": n_gp, "polarity": pol, "con": con, "hhi": hhi,
            "leader_share": lead}


def measure(keys, state, params):
    """Power shares and the system measures of every world (the functions used on real COW data).

    The ``cow`` rule's persistent status and counters are kept in every
    world (so a per-world rule can switch between them); ``great_power`` is
    the chosen rule's reading.
    """
    fast = _measure_kernel(state, params) if use_kernels() else None
    if fast is not None:
        return state.replace(**fast), ()
    r = read_year(state.components(), state.alive, params.actor, params.measures,
                  state.gp_seen, state.gp_status, state.gp_up, state.gp_down)
    power = r["power"]
    return state.replace(
        power=power,
        gp_status=r["status"],
        gp_up=r["up"],
        gp_down=r["down"],
        gp_seen=state.alive,
        great_power=r["gp"],
        n_great_powers=r["n_great_powers"],
        polarity=r["polarity"],
        con=r["con"],
        hhi=r["hhi"],
        leader_share=np.where(params.actor, power, 0.0).max(axis=-1),  # aggregates are never the leader
    ), ()


def _summary(rs, s):
    """Run-summary lines: great-power survival and the change in concentration."""
    from ..formatting import num, pct

    if s.get("states_recorded") == "none":
        gp = "Great-power survival: not recorded (no state rows were kept)"
    elif not int(s.get("gp_initial") or 0):
        gp = "Great-power survival: – (no great powers at the start)"
    else:
        n, alive, still = int(s["gp_initial"]), int(s["gp_alive"]), int(s["gp_still"])
        gp = (
            f"Great-power survival: {pct(alive / n)} of the {n:,} initial great powers alive at the end "
            f"({n - alive:,} died); {pct(still / n)} still great powers "
            f"({alive - still:,} survivors lost great-power status)"
        )
    con, hhi = s["con"], s["hhi"]
    return [gp, f"CON: {num(con[0])} → {num(con[1])}   HHI: {num(hhi[0])} → {num(hhi[1])}"
                "   (means over worlds, first → last year)"]


MECHANISM = Mechanism(
    name="measures",
    params=MeasureParams,
    doc=MeasureParams.__doc__ or "",
    sources=("Waltz 1979, ch. 5", "Singer, Bremer & Stuckey 1972", "Ray & Singer 1973", "Levy 1983",
             "Laakso & Taagepera 1979", "Mearsheimer 2001, ch. 3"),
    fields=(
        StateField("power", np.float64, "state", lambda c: 0.0, "composite index (CINC form)"),
        StateField("great_power", np.bool_, "state", lambda c: False, "a great power this year"),
        StateField("gp_status", np.bool_, "state", lambda c: False, "great-power status under rule 'cow' (with persistence)"),
        StateField("gp_up", np.int64, "state", lambda c: 0, "rule 'cow': consecutive years above the bar"),
        StateField("gp_down", np.int64, "state", lambda c: 0, "rule 'cow': consecutive years below the bar"),
        StateField("gp_seen", np.bool_, "state", lambda c: False, "the state was present at the last measure (False before year 0)"),
        StateField("n_great_powers", np.int64, "world", lambda c: 0, "number of great powers"),
        StateField("polarity", np.int8, "world", lambda c: 0, "polarity code"),
        StateField("con", np.float64, "world", lambda c: np.nan, "Ray & Singer's CON"),
        StateField("hhi", np.float64, "world", lambda c: np.nan, "HHI of power shares"),
        StateField("leader_share", np.float64, "world", lambda c: 0.0, "largest power share of a unitary actor"),
    ),
    measures=(
        Measure("n_great_powers", "system", np.int32, field_reader("n_great_powers"), "number of great powers"),
        Measure("polarity", "system", np.int64, field_reader("polarity"), "unipolar, bipolar, multipolar or nonpolar", labels=measures.POLARITY_LABELS),
        Measure("con", "system", np.float64, field_reader("con"), "concentration CON (Ray & Singer 1973) over the great powers"),
        Measure("hhi", "system", np.float64, field_reader("hhi"), "Herfindahl–Hirschman index of power shares"),
        Measure("leader_share", "system", np.float64, field_reader("leader_share"), "the leading state's share of power"),
        Measure("power", "state", np.float64, field_reader("power"), "composite index (CINC form)"),
        Measure("great_power", "state", np.bool_, field_reader("great_power"), "a great power this year"),
    ),
    steps=(Step("measure", measure),),
    summary=_summary,
    module=__name__,
)

__all__ = ["MECHANISM", "MeasureParams", "measure"]

"""Measuring the structure: power shares, great powers, polarity and concentration.

Structural realism reads the system's structure off the distribution of
material capabilities (Waltz 1979, ch. 5).  At the end of every year (and at
year 0) this mechanism computes each state's composite index (the CINC form
of Singer, Bremer & Stuckey 1972), which states are great powers, the
polarity, Ray & Singer's (1973) concentration CON and the HHI, with the
functions of :mod:`neorealism.measures` that the data layer uses on real COW
data, so simulated and real systems are measured alike.  Next year's
perception and threat read the ``power`` it leaves in the state.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from .. import measures
from ..schema import StrictModel
from .base import Measure, Mechanism, StateField, Step


class MeasureParams(StrictModel):
    """How great powers and polarity are read from the distribution of power."""

    gp_rule: Literal["share", "relative"] = Field(default="share", description="share: power share ≥ gp_threshold; relative: share ≥ gp_relative × leader's share")
    gp_threshold: float = Field(default=0.10, gt=0.0, le=1.0, description="share of system power that makes a great power (rule 'share')")
    gp_relative: float = Field(default=0.25, gt=0.0, le=1.0, description="fraction of the leader's share that makes a great power (rule 'relative')")


def measure(keys, state, params):
    """Power shares and the system measures of every world (the functions used on real COW data)."""
    p = params.measures
    power = measures.composite_index(state.components(), state.alive)
    m = measures.system_measures(power, rule=p.gp_rule, threshold=p.gp_threshold, relative=p.gp_relative,
                                 actors=params.actor)
    return state.replace(
        power=power,
        great_power=m["gp"],
        n_great_powers=m["n_great_powers"],
        polarity=m["polarity"],
        con=m["con"],
        hhi=m["hhi"],
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


def _field(name):
    return lambda state, params: getattr(state, name)


MECHANISM = Mechanism(
    name="measures",
    params=MeasureParams,
    doc=MeasureParams.__doc__ or "",
    sources=("Waltz 1979, ch. 5", "Singer, Bremer & Stuckey 1972", "Ray & Singer 1973"),
    fields=(
        StateField("power", np.float64, "state", lambda c: 0.0, "composite index (CINC form)"),
        StateField("great_power", np.bool_, "state", lambda c: False, "a great power this year"),
        StateField("n_great_powers", np.int64, "world", lambda c: 0, "number of great powers"),
        StateField("polarity", np.int8, "world", lambda c: 0, "polarity code"),
        StateField("con", np.float64, "world", lambda c: np.nan, "Ray & Singer's CON"),
        StateField("hhi", np.float64, "world", lambda c: np.nan, "HHI of power shares"),
        StateField("leader_share", np.float64, "world", lambda c: 0.0, "largest power share of a unitary actor"),
    ),
    measures=(
        Measure("n_great_powers", "system", np.int32, _field("n_great_powers"), "number of great powers"),
        Measure("polarity", "system", np.int64, _field("polarity"), "unipolar, bipolar, multipolar or nonpolar", labels=measures.POLARITY_LABELS),
        Measure("con", "system", np.float64, _field("con"), "concentration CON (Ray & Singer 1973) over the great powers"),
        Measure("hhi", "system", np.float64, _field("hhi"), "Herfindahl–Hirschman index of power shares"),
        Measure("leader_share", "system", np.float64, _field("leader_share"), "the leading state's share of power"),
        Measure("power", "state", np.float64, _field("power"), "composite index (CINC form)"),
        Measure("great_power", "state", np.bool_, _field("great_power"), "a great power this year"),
    ),
    steps=(Step("measure", measure),),
    summary=_summary,
    module=__name__,
)

__all__ = ["MECHANISM", "MeasureParams", "measure"]

"""Is a bipolar system more stable than a multipolar one?

Waltz (1979, ch. 8) argued that bipolarity is more stable: with two great
powers each watches the other, miscalculation is rarer and each balances by
its own efforts rather than by shifting alliances.  Deutsch & Singer (1964)
argued the opposite: more great powers mean more cross-cutting ties and
less attention to any one rival.  This example
runs the built-in ``bipolar`` and ``multipolar`` scenarios with the same
parameters and seed and compares:

- war onsets per world per century, and those with great powers on both sides;
- state deaths per world;
- great-power survival (share of the initial great powers alive at the end);
- polarity persistence (share of worlds whose polarity at the end is the one they started with).

Run it with ``python -m neorealism.examples.polarity_stability``.

Read the answer with the core model's limits in mind (docs/model.md,
"Great powers seldom fight each other"): alliances are fixed and never
fight, perception is exact, so wars between great powers are rare in both
systems and most wars are great powers conquering minor states.  The
example shows how to ask the question; the strategy mechanisms (alliances,
misperception, doctrines) are what will make the answer interesting.
"""

from __future__ import annotations

import argparse

import pandas as pd

from neorealism.engine import simulate
from neorealism.scenario import load_scenario


def stability(name: str, worlds: int, years: int, seed: int) -> dict[str, float]:
    res = simulate(load_scenario(name), worlds=worlds, years=years, seed=seed)
    st, sysm, ev = res.states, res.system, res.events
    start, end = sysm.year.min(), sysm.year.max()
    gp0 = st[(st.year == start) & st.great_power][["world", "state"]]
    starts = ev[ev.event == "war_start"]
    # great-power war: both sides great powers in the year the war began
    gp_years = st[st.great_power][["world", "year", "state"]]
    key = ["world", "year"]
    # compare against the previous year's great powers (the war starts during the year)
    gp_prev = gp_years.assign(year=gp_years.year + 1)
    a = starts.merge(gp_prev.rename(columns={"state": "attacker"}), on=[*key, "attacker"])
    gpw = a.merge(gp_prev.rename(columns={"state": "defender"}), on=[*key, "defender"])
    last = st[st.year == end][["world", "state", "alive"]]
    surv = gp0.merge(last, on=["world", "state"]).alive.mean()
    pol = sysm[sysm.year.isin([start, end])].pivot(index="world", columns="year", values="polarity")
    centuries = years / 100
    return {
        "wars_per_world_century": len(starts) / worlds / centuries,
        "great_power_wars_per_world_century": len(gpw) / worlds / centuries,
        "deaths_per_world": (ev.event == "death").sum() / worlds,
        "great_power_survival": float(surv),
        "polarity_persistence": float((pol[start] == pol[end]).mean()),
    }


def main(worlds: int = 200, years: int = 200, seed: int = 0) -> pd.DataFrame:
    rows = {name: stability(name, worlds, years, seed) for name in ("bipolar", "multipolar")}
    return pd.DataFrame(rows)


if __name__ == "__main__":  # pragma: no cover
    ap = argparse.ArgumentParser(description="Bipolar vs multipolar stability (Waltz 1979).")
    ap.add_argument("--worlds", type=int, default=200)
    ap.add_argument("--years", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"bipolar vs multipolar: {args.worlds} worlds × {args.years} years each, seed {args.seed}")
    with pd.option_context("display.float_format", "{:.3f}".format):
        print(main(args.worlds, args.years, args.seed))
    print(
        "note: in the core model alliances are fixed and perception exact, so great powers seldom fight\n"
        "each other in either system; most wars are great powers against minor states (docs/model.md)."
    )

"""The batch engine against an idiomatic per-agent Mesa 3 model of the same rules (issue 19, part 5).

Runs, in one process, the Mesa reference (:mod:`mesa_reference`: one
``mesa.Model`` per world, the worlds one after another; Kazil, Masad & Crooks
2020) and the batch engine (``neorealism.api.run``) on the same scenario, at
R = 200 and R = 1,000 worlds of T = 200 years, and prints

* the state-years per second of each (N × T × R over the wall-clock time) and
  the ratio engine / Mesa at both sizes, against the goal of ≥ 100×;
* the outcome distributions side by side — war onsets per world, survival (the
  share of the initial states alive at the end), final HHI of power shares —
  with 95% intervals of their means, and whether they agree.

**Agreement rule** (:func:`agree`): a measure agrees when the difference of
the two means is within max(z·SE, rel·|engine mean|), SE the standard error
of the difference of two independent means (Welch), z = 1.96, rel = 0.10.
That is: the difference is not statistically distinguishable at 5%, or it
is smaller than 10% of the engine's value (practically equivalent).  A
difference that is both significant and larger than 10% fails.

The engine is warmed up before it is timed (a run of 50 worlds × 50 years:
its Numba kernels compiled or loaded from the cache and every code path of
the default rules met once), and its time is the median of three runs (one
run takes under a second and varies by ±10% on a shared machine; Mesa's
single run of 40–200 s averages such noise itself); the Mesa model needs
no warm-up.  Timings are wall-clock on a shared machine:
run it when nothing else is running.

    python benchmarks/mesa_benchmark.py            # R = 200 and 1,000, T = 200
    python benchmarks/mesa_benchmark.py --quick    # R = 20 and 50, T = 50: a quick check
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

GOAL = 100.0
#: The engine's time is the median of this many runs (see the module docstring).
ENGINE_RUNS = 3
Z = 1.96
REL = 0.10
MEASURES = (("wars", "war onsets per world"), ("survival", "survival (share of initial states alive)"),
            ("hhi", "final HHI of power shares"))


def engine_outcomes(result, worlds: int) -> dict[str, list[float]]:
    """Per-world war onsets, survival and final HHI from an engine result (``states="ends"``)."""
    import numpy as np

    ev = result.events
    wars = np.bincount(ev.loc[ev.event == "war_start", "world"].to_numpy(), minlength=worlds)
    st = result.states
    last = st[st.year == st.year.max()]
    surv = last.groupby("world").alive.mean().reindex(range(worlds)).to_numpy()
    sy = result.system
    hhi = sy[sy.year == sy.year.max()].set_index("world").hhi.reindex(range(worlds)).to_numpy()
    return {"wars": [float(x) for x in wars], "survival": [float(x) for x in surv], "hhi": [float(x) for x in hhi]}


def mean_ci(xs: list[float]) -> tuple[float, float, float]:
    """Mean, standard error and the half-width of the normal 95% interval of the mean."""
    m = statistics.fmean(xs)
    se = statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else float("nan")
    return m, se, Z * se


def agree(engine: list[float], mesa: list[float], z: float = Z, rel: float = REL) -> tuple[bool, float, float]:
    """The agreement rule of the module docstring: (agrees, difference, allowed)."""
    me, se_e, _ = mean_ci(engine)
    mm, se_m, _ = mean_ci(mesa)
    diff = mm - me
    allowed = max(z * math.hypot(se_e, se_m), rel * abs(me))
    return abs(diff) <= allowed, diff, allowed


def time_engine(scenario, worlds: int, years: int, seed: int, runs: int = 1):
    """The engine's wall-clock time (the median of ``runs`` runs) and its result."""
    from neorealism import api

    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        res = api.run(scenario, worlds=worlds, years=years, seed=seed, states="ends")
        times.append(time.perf_counter() - t0)
    return statistics.median(times), res


def time_mesa(scenario, worlds: int, years: int, seed: int):
    from mesa_reference import run_worlds

    t0 = time.perf_counter()
    out = run_worlds(scenario, worlds=worlds, years=years, seed=seed)
    return time.perf_counter() - t0, {k: [o[k] for o in out] for k, _ in MEASURES}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default="multipolar")
    ap.add_argument("--sizes", type=int, nargs="+", default=None, help="worlds per run (default 200 1000)")
    ap.add_argument("--years", type=int, default=None, help="years (default 200)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="R = 20 and 50, T = 50")
    args = ap.parse_args(argv)
    import mesa

    from neorealism.scenario import load_scenario

    sizes = args.sizes or ([20, 50] if args.quick else [200, 1000])
    years = args.years or (50 if args.quick else 200)
    sc = load_scenario(args.scenario)
    N = len(sc.states)
    print(f"scenario {args.scenario}: N = {N} states, T = {years} years, seed {args.seed}; mesa {mesa.__version__}")
    # warm-up: every kernel compiled or loaded, and the code paths of wars, conquests and alliances met once
    # (a run of 4 worlds × 5 years left the first calls of some inside the first timed run: 0.1 s at R = 200)
    time_engine(sc, 50, 50, args.seed)
    rows = []
    last = None
    for R in sizes:
        te, res = time_engine(sc, R, years, args.seed, runs=ENGINE_RUNS)
        tm, mesa_out = time_mesa(sc, R, years, args.seed)
        sy = N * years * R
        ratio = (sy / te) / (sy / tm)
        rows.append((R, sy / te, sy / tm, ratio, te, tm))
        print(f"R = {R:>5}: engine {sy / te:>12,.0f} state-years/s ({te:6.2f} s)   "
              f"mesa {sy / tm:>9,.0f} state-years/s ({tm:7.2f} s)   engine/mesa {ratio:6.1f}×", flush=True)
        last = (R, engine_outcomes(res, R), mesa_out)
    met = all(r[3] >= GOAL for r in rows)
    print(f"goal: engine ≥ {GOAL:.0f}× mesa at every size — {'met' if met else 'NOT met'} "
          f"({', '.join(f'{r[3]:.1f}× at R = {r[0]}' for r in rows)})")
    R, eng, mes = last
    print(f"\noutcomes at R = {R} (mean ± 95% interval); agreement: |Δ| ≤ max({Z}·SE, {REL:.0%} of the engine's mean)")
    all_ok = True
    for key, label in MEASURES:
        me, _, he = mean_ci(eng[key])
        mm, _, hm = mean_ci(mes[key])
        ok, diff, allowed = agree(eng[key], mes[key])
        all_ok &= ok
        print(f"  {label:<42} engine {me:8.3f} ± {he:.3f}   mesa {mm:8.3f} ± {hm:.3f}   "
              f"Δ {diff:+.3f} (allowed {allowed:.3f})  {'agree' if ok else 'DIFFER'}")
    print(f"outcome distributions {'agree' if all_ok else 'do NOT agree'} within the stated tolerance")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

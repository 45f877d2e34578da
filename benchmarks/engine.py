"""Engine benchmark: state-years per second of the default model.

Runs the default parameters on a synthetic scenario of N states for T years
in R worlds (default N = 20, T = 200, R = 1,000) on this machine, then shows
how time grows with R and with N.  "State-years" are N·R·T: one state
advanced through one year of every mechanism, with every state and system
variable recorded in arrays (the tidy tables are built separately and timed
on their own line).

    python benchmarks/engine.py            # full run (about a minute)
    python benchmarks/engine.py --quick    # smaller grid

The last line is ``state_years_per_second: <number>`` for N=20, T=200, R=1000.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from neorealism.engine import run_batch, to_tables
from neorealism.synthetic import synthetic_scenario


def timed(n: int, r: int, t: int, repeat: int = 1, record: bool = True) -> float:
    sc = synthetic_scenario(n, seed=1)
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        run_batch(sc, np.arange(r), t, seed=0, record_states=record)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller scaling grid")
    args = ap.parse_args()
    N, T, R = 20, 200, 1000
    timed(N, 50, 10)  # warm up imports and caches

    print(f"engine benchmark: default model, N={N} states, T={T} years, R={R} worlds")
    secs = timed(N, R, T, repeat=1 if args.quick else 2)
    sy = N * R * T / secs
    print(f"  run (arrays recorded):          {secs:8.3f} s   {sy:14,.0f} state-years/s")
    secs_nr = timed(N, R, T, repeat=1, record=False)
    print(f"  run (system measures only):     {secs_nr:8.3f} s   {N * R * T / secs_nr:14,.0f} state-years/s")
    sc = synthetic_scenario(N, seed=1)
    traj = run_batch(sc, np.arange(R), T, seed=0)
    t0 = time.perf_counter()
    res = to_tables(traj, sc)
    tt = time.perf_counter() - t0
    print(f"  building tidy tables:           {tt:8.3f} s   ({len(res.states):,} state rows, {len(res.events):,} events)")

    print("\nscaling with R (N=20, T=100):")
    base = None
    for r in ([100, 1000, 3000] if args.quick else [100, 300, 1000, 3000, 10000]):
        s = timed(N, r, 100)
        rate = N * r * 100 / s
        base = base or rate
        print(f"  R={r:6d}  {s:8.3f} s  {rate:14,.0f} state-years/s  ratio to R=100: {rate / base:5.2f}")
    print("\nscaling with N (R=1000, T=100):")
    base = None
    for n in ([10, 20, 40] if args.quick else [10, 20, 40, 80, 160]):
        s = timed(n, 1000, 100)
        rate = n * 1000 * 100 / s
        base = base or s
        print(f"  N={n:4d}  {s:8.3f} s  {rate:14,.0f} state-years/s  time ratio to N=10: {s / base:6.2f}")
    print(f"state_years_per_second: {sy:.0f}")


if __name__ == "__main__":
    main()

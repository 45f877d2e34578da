"""Engine benchmark: state-years per second of the default model.

Runs the default parameters on a synthetic scenario of N states for T years
in R worlds (default N = 20, T = 200, R = 1,000) on this machine, then shows
how time grows with R and with N.  "State-years" are N·R·T: one state
advanced through one year of every mechanism, with every state and system
variable recorded in arrays (the tidy tables are built separately and timed
on their own line).

    python benchmarks/engine.py                   # full run (about a minute)
    python benchmarks/engine.py --quick           # smaller grid
    python benchmarks/engine.py --against HEAD~1  # this tree against a commit, side by side
    python benchmarks/engine.py --by-step         # what each mechanism's steps cost (one thread)
    python benchmarks/engine.py --by-mechanism    # the full model against it without each optional mechanism
    python benchmarks/engine.py --critiques       # the full model against it with each critique switched on

A batch is shared among the machine's cores (one block of worlds each, in
forked processes where the system has ``fork``, else threads;
``NEOREALISM_THREADS`` sets how many blocks, ``NEOREALISM_BACKEND`` the back
end): the main figure uses them all, the next line the same run in one
block, and their ratio.

``--against REV`` checks REV out into a temporary git worktree and times
the same run (N=20, T=200, R=1,000) with this tree's code and with REV's,
alternately in fresh processes, and prints both rates and their ratio.

The last line is ``state_years_per_second: <number>`` for N=20, T=200, R=1000.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from neorealism.engine import run_batch, to_tables
from neorealism.synthetic import synthetic_scenario


def timed(n: int, r: int, t: int, repeat: int = 1, record: bool = True, threads: int | None = None) -> float:
    sc = synthetic_scenario(n, seed=1)
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        run_batch(sc, np.arange(r), t, seed=0, record_states=record, threads=threads)
        best = min(best, time.perf_counter() - t0)
    return best


_SNIPPET = """
import time, numpy as np
from neorealism.engine import run_batch
from neorealism.synthetic import synthetic_scenario
sc = synthetic_scenario(20, seed=1)
run_batch(sc, np.arange(50), 10, seed=0)
t0 = time.perf_counter(); run_batch(sc, np.arange(1000), 200, seed=0)
print(20 * 1000 * 200 / (time.perf_counter() - t0))
"""


def _rate(src: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, "-c", _SNIPPET], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def against(rev: str, rounds: int) -> None:
    """This tree's engine against commit ``rev``'s, alternately, in one sitting."""
    here = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        wt = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(here), "worktree", "add", "--detach", str(wt), rev], check=True, capture_output=True)
        try:
            now, then = [], []
            for _ in range(rounds):
                then.append(_rate(wt / "src"))
                now.append(_rate(here / "src"))
            print(f"engine against {rev}: N=20, T=200, R=1000, best of {rounds} alternating runs")
            print(f"  {rev:>12}: {max(then):14,.0f} state-years/s")
            print(f"  {'this tree':>12}: {max(now):14,.0f} state-years/s")
            print(f"  ratio (this tree / {rev}): {max(now) / max(then):.3f}")
        finally:
            subprocess.run(["git", "-C", str(here), "worktree", "remove", "--force", str(wt)], check=False, capture_output=True)


def by_step(n: int = 20, r: int = 1000, t: int = 200) -> None:
    """Time every registered step over one run (N=20, T=200, R=1,000) in one thread: each mechanism's cost."""
    import dataclasses
    from collections import defaultdict

    from neorealism.mechanisms.base import Step
    from neorealism.mechanisms.registry import current, using

    spent: dict[str, float] = defaultdict(float)

    def clock(name, fn):
        def timed_fn(keys, state, params):
            t0 = time.perf_counter()
            out = fn(keys, state, params)
            spent[name] += time.perf_counter() - t0
            return out
        return timed_fn

    mechs = [
        dataclasses.replace(m, steps=tuple(
            Step(s.stage, clock(f"{m.name}.{s.name or s.fn.__name__}", s.fn), s.name) for s in m.steps))
        for m in current().mechanisms
    ]
    sc = synthetic_scenario(n, seed=1)
    with using(mechs):
        run_batch(sc, np.arange(50), 10, seed=0, threads=1)
        spent.clear()
        t0 = time.perf_counter()
        run_batch(sc, np.arange(r), t, seed=0, threads=1)
        total = time.perf_counter() - t0
    steps = sum(spent.values())
    print(f"cost by step: default model, N={n}, T={t}, R={r}, one thread: {total:.3f} s in all, "
          f"{n * r * t / total:,.0f} state-years/s")
    for name, secs in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {name:28s} {secs:8.3f} s  {secs / total:6.1%}")
    print(f"  {'(recording, bookkeeping)':28s} {total - steps:8.3f} s  {(total - steps) / total:6.1%}")


def by_mechanism(rounds: int, n: int = 20, r: int = 1000, t: int = 200) -> None:
    """The full default model against it without each mechanism that others do not need, in one sitting.

    Alternating rounds in this process (all threads), best of ``rounds``: what leaving a mechanism out
    saves.  The others (structure, perception, threat, armament, war, alliances, …) are read by the
    rest of the model; their cost is their steps' share in ``--by-step``.
    """
    from neorealism.mechanisms.registry import current, using

    layer = ("beliefs", "policy", "doctrine", "nuclear")  # the intentions layer (issue 16)
    full = list(current().mechanisms)
    optional = [m.name for m in full if m.name in (*layer, "growth")]
    variants = {"full default model": full, **{f"without {x}": [m for m in full if m.name != x] for x in optional},
                f"without {', '.join(layer)}": [m for m in full if m.name not in layer]}
    sc = synthetic_scenario(n, seed=1)
    _side_by_side(f"cost by mechanism: N={n}, T={t}, R={r}", "full",
                  {name: (lambda m=mechs: using(m), lambda: sc) for name, mechs in variants.items()}, rounds, n, r, t)


def _side_by_side(title: str, ref_label: str, variants: dict, rounds: int, n: int, r: int, t: int) -> None:
    """Time each variant — (a context to run it in, a function giving its scenario) — in alternating
    rounds in this process (all threads), best of ``rounds``; print each rate and its time against the first."""
    import contextlib

    best = dict.fromkeys(variants, np.inf)
    for _ in range(rounds):
        for name, (context, scenario) in variants.items():
            with context() if context else contextlib.nullcontext():
                sc = scenario()
                run_batch(sc, np.arange(50), 10, seed=0)
                t0 = time.perf_counter()
                run_batch(sc, np.arange(r), t, seed=0)
                best[name] = min(best[name], time.perf_counter() - t0)
    print(f"{title}, best of {rounds} alternating rounds")
    ref = next(iter(best.values()))
    for name, secs in best.items():
        print(f"  {name:44s} {n * r * t / secs:12,.0f} state-years/s   time / {ref_label}: {secs / ref:5.2f}")


#: Each critique (and cooperation) switched on at the settings its docs page suggests.
CRITIQUES_ON: dict[str, dict[str, dict[str, float]]] = {
    "cooperation (deals, relative gains)": {"cooperation": {"deal_rate": 0.2}},
    "cognition: misperception": {"cognition": {"misperception": 0.5}},
    "cognition: overconfidence": {"cognition": {"overconfidence": 0.3, "overconfidence_spread": 0.3}},
    "cognition: worst case": {"cognition": {"worst_case": 0.5}},
    "cognition: bureaucratic politics": {"cognition": {"bureaucratic_inertia": 0.5}},
    "cognition: ideological wars": {"cognition": {"ideological_war": 0.02}},
    "domestic (all on)": {"domestic": {"democratic_peace": 0.5, "casualty_aversion": 0.3,
                                       "leader_risk_spread": 0.3, "regime_change": 0.02}},
}


def critiques(rounds: int, n: int = 20, r: int = 1000, t: int = 200) -> None:
    """The full default model (critiques off) against it with each critique switched on, in one sitting:
    what each costs when on.  Alternating rounds in this process (all threads), best of ``rounds``."""
    variants = {"full default model (critiques off)": {}, **CRITIQUES_ON}
    _side_by_side(f"cost of the critiques switched on: N={n}, T={t}, R={r}", "off",
                  {name: (None, lambda p=p: synthetic_scenario(n, seed=1, params=p)) for name, p in variants.items()},
                  rounds, n, r, t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller scaling grid")
    ap.add_argument("--against", metavar="REV", help="time this tree against git revision REV, side by side")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds for --against (default 3)")
    ap.add_argument("--by-step", action="store_true", help="time each mechanism's steps over one run")
    ap.add_argument("--by-mechanism", action="store_true",
                    help="the full model against it without each optional mechanism, side by side (--rounds)")
    ap.add_argument("--critiques", action="store_true",
                    help="the full model against it with each critique switched on, side by side (--rounds)")
    args = ap.parse_args()
    if args.critiques:
        critiques(args.rounds)
        return
    if args.by_mechanism:
        by_mechanism(args.rounds)
        return
    if args.by_step:
        by_step()
        return
    if args.against:
        against(args.against, args.rounds)
        return
    N, T, R = 20, 200, 1000
    timed(N, 50, 10)  # warm up imports and caches

    from neorealism.kernels import backend, threads

    cores = threads()
    how = (f"{cores} processes" if backend() == "processes" else f"{cores} threads") if cores > 1 else "1 thread"
    print(f"engine benchmark: default model, N={N} states, T={T} years, R={R} worlds, {how}")
    secs = timed(N, R, T, repeat=1 if args.quick else 2)
    sy = N * R * T / secs
    print(f"  run (arrays recorded):          {secs:8.3f} s   {sy:14,.0f} state-years/s")
    if cores > 1:
        secs1 = timed(N, R, T, repeat=1, threads=1)
        print(f"  the same in one thread:         {secs1:8.3f} s   {N * R * T / secs1:14,.0f} state-years/s"
              f"   ratio ({how} / 1): {secs1 / secs:5.2f}")
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
    rates = {}
    for r in ([100, 1000, 3000] if args.quick else [100, 300, 1000, 3000, 10000]):
        s = timed(N, r, 100)
        rate = rates[r] = N * r * 100 / s
        base = base or rate
        print(f"  R={r:6d}  {s:8.3f} s  {rate:14,.0f} state-years/s  ratio to R=100: {rate / base:5.2f}")
    big = max(rates)
    print(f"  small batches: the per-world rate at R=100 is {rates[100] / rates[big]:.2f} of R={big}'s (goal ≥ 0.5)")
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

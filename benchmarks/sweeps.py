"""Sweep benchmarks, measured side by side in one run (issue 19, part 7).

    python benchmarks/sweeps.py            # the full set (about two minutes on 2 cores)
    python benchmarks/sweeps.py --quick    # smaller sizes

Prints:
1. worlds per second of one sweep on a local pool of 1 and of 2 worker processes (and sequentially);
2. the overhead of the Dask back end (a LocalCluster of 2 workers) against the process pool of 2;
3. a sweep of 1,000 parameter points run as one per-world-parameter batch against one run per point.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from neorealism import api, engine
from neorealism.sweeps import evaluators
from neorealism.sweeps.runner import run_sweep
from neorealism.sweeps.spec import parse_sweep


def _spec(points: int, reps: int, years: int, chunk: int):
    return parse_sweep(yaml.safe_dump({
        "name": "bench", "scenario": "bipolar", "sampler": "latin_hypercube", "points": points,
        "replications": reps, "years": years, "seed": 0, "chunk_points": chunk,
        "parameters": {"war.offense_defense": {"low": 0.5, "high": 3.0}, "geography.decay": {"low": 0.03, "high": 0.5}},
        "outcomes": ["wars", "gp_survival", "final_hhi"],
    }))


def _timed(spec, make) -> float:
    with tempfile.TemporaryDirectory() as d, make() as ev:
        run_sweep(_spec(1, 2, 5, 1), Path(d) / "warm", evaluator=ev)  # start the workers, load the kernels
        t0 = time.perf_counter()
        run_sweep(spec, Path(d) / "s", evaluator=ev)
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    pts, reps, years = (16, 16, 50) if args.quick else (64, 16, 100)
    spec = _spec(pts, reps, years, chunk=4)
    W = spec.n_worlds
    print(f"sweep: {pts} points × {reps} replications = {W:,} worlds × {years} years (bipolar, 14 states), "
          f"{spec.chunk()} points a chunk")
    seq = _timed(spec, lambda: evaluators.SequentialEvaluator())
    p1 = _timed(spec, lambda: evaluators.ProcessPoolEvaluator(workers=1))
    p2 = _timed(spec, lambda: evaluators.ProcessPoolEvaluator(workers=2))
    dk = _timed(spec, lambda: evaluators.DaskEvaluator(local=2))
    print(f"  sequential (engine threads):    {seq:7.2f} s  {W / seq:9,.0f} worlds/s")
    print(f"  process pool, 1 worker:         {p1:7.2f} s  {W / p1:9,.0f} worlds/s")
    print(f"  process pool, 2 workers:        {p2:7.2f} s  {W / p2:9,.0f} worlds/s   ratio 2 / 1 workers: {p1 / p2:.2f}")
    print(f"  Dask LocalCluster, 2 workers:   {dk:7.2f} s  {W / dk:9,.0f} worlds/s   Dask / pool time: {dk / p2:.2f}")

    n, y = (200, 30) if args.quick else (1000, 50)
    sc = api.load("bipolar")
    rng = np.random.default_rng(0)
    theta = rng.uniform(0.5, 3.0, n)
    engine.run_batch(sc, np.arange(2), 3, 0, per_world={"war.offense_defense": theta[:2]}, record_states="none")
    t0 = time.perf_counter()
    batch = engine.run_batch(sc, np.arange(n), y, 0, per_world={"war.offense_defense": theta}, record_states="none")
    t_batch = time.perf_counter() - t0
    t0 = time.perf_counter()
    hhi = []
    for k in range(n):
        one = engine.run_batch(sc, np.array([k]), y, 0, per_world={"war.offense_defense": theta[k:k + 1]},
                               record_states="none")
        hhi.append(one.system_vars["hhi"][-1, 0])
    t_each = time.perf_counter() - t0
    same = np.array_equal(np.array(hhi), batch.system_vars["hhi"][-1])
    print(f"{n:,} parameter points × 1 world × {y} years:")
    print(f"  one per-world-parameter batch:  {t_batch:7.2f} s")
    print(f"  one run per point:              {t_each:7.2f} s   ratio: {t_each / t_batch:.1f}× "
          f"(identical results: {same})")


if __name__ == "__main__":
    main()

"""The calibration grid behind the default war parameters (docs/scorecard.md#calibration).

Runs the built-in ``multipolar`` scenario — the calibration structure, COW's
multipolar era 1816–1945 — for 130 years (the era's length) over a grid of
the two parameters that set how often crises fail (perception noise: private
information about capabilities; opportunity: how often a state weighs a
dispute), and prints the scorecard's calibration facts for each point beside
COW's interval, marking the points where every fact that has a COW interval
(except state deaths, see the docs) falls inside it.

    python tools/calibrate.py                  # 100 worlds per point, seed 0
    python tools/calibrate.py --worlds 200 --seed 1
"""

from __future__ import annotations

import argparse
import itertools

from neorealism import api
from neorealism.scorecard import cow_facts, model_facts

NOISE = (0.0, 0.3, 0.4, 0.5)
OPPORTUNITY = (0.15, 0.3, 0.5)
FACTS = ("gp_wars", "initiator_wins", "tail_alpha", "balancing", "state_deaths")
#: Facts whose COW interval a default must meet (state deaths are out by construction: docs).
MUST = ("gp_wars", "initiator_wins", "tail_alpha", "balancing")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", type=int, default=100)
    ap.add_argument("--years", type=int, default=130)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    cow = cow_facts(seed=a.seed)
    ref = {f: cow[(f, "multipolar")] for f in FACTS}
    head = "  ".join(f"{f:>16}" for f in FACTS)
    print(f"multipolar, {a.worlds} worlds × {a.years} years, seed {a.seed}")
    print(f"{'noise':>5} {'opp.':>5}  {head}  all in")
    print(f"{'COW':>11}  " + "  ".join(f"{r.cow:7.3g} [{r.cow_lo:.2g},{r.cow_hi:.2g}]"[:16].rjust(16) for r in ref.values()))
    for noise, opp in itertools.product(NOISE, OPPORTUNITY):
        over = {"perception.capability_noise": noise, "war.opportunity": opp}
        sc = api.prepare("multipolar", overrides=over, worlds=a.worlds, years=a.years, seed=a.seed)
        f = model_facts(api.run(sc, states="all"), sc, a.seed)
        ok = all(ref[k].cow_lo <= f[k][0] <= ref[k].cow_hi for k in MUST)
        print(f"{noise:5.2f} {opp:5.2f}  " + "  ".join(f"{f[k][0]:16.3g}" for k in FACTS) + f"  {'yes' if ok else ''}")


if __name__ == "__main__":
    main()

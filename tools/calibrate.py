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
    python tools/calibrate.py --worlds 200 --noise 0.3 0.35 0.4 0.45 0.5 --opportunity 0.3 0.5 0.7 --greedy 0.3 0.45

``--greedy`` adds a third axis, the intentions layer's ``beliefs.greedy_share``
(the share of states with greedy aims, docs/beliefs.md), which the war rate
turns on since that layer (docs/scorecard.md#calibration).
"""

from __future__ import annotations

import argparse
import itertools
import sys

from neorealism import api
from neorealism.errors import NeorealismError
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
    ap.add_argument("--noise", type=float, nargs="+", default=list(NOISE), help="perception.capability_noise values")
    ap.add_argument("--opportunity", type=float, nargs="+", default=list(OPPORTUNITY), help="war.opportunity values")
    ap.add_argument("--greedy", type=float, nargs="+", default=None, help="beliefs.greedy_share values (default: as set)")
    a = ap.parse_args()
    points = []  # every point's scenario, checked before anything runs
    for noise, opp, gs in itertools.product(a.noise, a.opportunity, a.greedy or [None]):
        over = {"perception.capability_noise": noise, "war.opportunity": opp}
        if gs is not None:
            over["beliefs.greedy_share"] = gs
        try:
            sc = api.prepare("multipolar", overrides=over, worlds=a.worlds, years=a.years, seed=a.seed)
        except NeorealismError as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
        points.append((noise, opp, gs, sc))
    cow = cow_facts(seed=a.seed)
    ref = {f: cow[(f, "multipolar")] for f in FACTS}
    head = "  ".join(f"{f:>16}" for f in FACTS)
    print(f"multipolar, {a.worlds} worlds × {a.years} years, seed {a.seed}")
    print(f"{'noise':>5} {'opp.':>5} {'greedy':>6}  {head}  inside")
    print(f"{'COW':>18}  " + "  ".join(f"{r.cow:7.3g} [{r.cow_lo:.2g},{r.cow_hi:.2g}]"[:16].rjust(16) for r in ref.values()))
    for noise, opp, gs, sc in points:
        f = model_facts(api.run(sc, states="all"), sc, a.seed)
        inside = sum(ref[k].cow_lo <= f[k][0] <= ref[k].cow_hi for k in MUST)
        shown = "     –" if gs is None else f"{gs:6.2f}"
        print(f"{noise:5.2f} {opp:5.2f} {shown}  " + "  ".join(f"{f[k][0]:16.3g}" for k in FACTS)
              + f"  {inside} of {len(MUST)}{'  all' if inside == len(MUST) else ''}")


if __name__ == "__main__":
    main()

"""A doctrine of your own: Schweller's (1994) jackal, registered and run without touching the engine.

Realists disagree about what states want.  Defensive realists (Waltz 1979)
see security seekers; offensive realists (Mearsheimer 2001) power
maximisers.  Schweller (1994, "Bandwagoning for Profit") adds states that
are neither: revisionists with *limited* aims — jackals — that do not seek
hegemony and do not arm for it, but join in and pick off the weak whenever
a war would pay.

A doctrine is a small class (:class:`neorealism.mechanisms.doctrines.Doctrine`)
with a name, its sources and a classifier; the classifier gives the
behaviour, and a method may be overridden for numbers of its own.  Here the
jackal:

- seeks relative power but counts only half of the rival's loss as its own
  gain (``gain`` overridden: 1 + relative_weight / 2);
- arms to sufficiency, not to the maximum;
- fights at every opportunity, with the offensive margin
  (``war.offensive_threshold``);
- seeks no hegemony.

``register`` (a class decorator) adds it; a scenario can then give a
state ``doctrine: jackal``, in a YAML file or, as here, in Python.  The
example runs the built-in ``multipolar`` scenario with every third state a
jackal (the rest defensive), then with the same states offensive, and
compares, for each doctrine, the crises its states pressed and the wars
they started per state and century, and the share of its states alive at
the end.

Run it with ``python -m neorealism.examples.custom_doctrine``.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from neorealism.engine import simulate
from neorealism.mechanisms.doctrines import Doctrine, register, registered
from neorealism.scenario import Scenario, load_scenario, validate_scenario


@register
class Jackal(Doctrine):
    """Schweller's (1994) jackal: a revisionist with limited aims that preys on the weak at every opportunity.

    It seeks gains rather than security but not hegemony: it arms only to sufficiency and weighs a
    rival's loss at half of what an offensive realist does.
    """

    name = "jackal"
    sources = ("Schweller 1994",)
    classifier = {
        "aim": "relative power",
        "arming": "sufficiency",
        "war": "opportunity",
        "margin": "offensive_threshold",
        "hegemony": "none",
    }

    def gain(self, params):
        # the rival's loss counts, at half the weight a power maximiser gives it
        return 1.0 + 0.5 * np.asarray(params.doctrine.relative_weight, dtype=np.float64)


def mixed(scenario: str = "multipolar", other: str = "jackal", every: int = 3) -> Scenario:
    """The built-in ``scenario`` with every ``every``-th state (from the second) of doctrine ``other``, the rest defensive."""
    d = load_scenario(scenario).model_dump()
    for k, s in enumerate(d["states"]):
        s["doctrine"] = other if k % every == 1 else "defensive"
    d["name"] = f"{scenario}-{other}"
    return validate_scenario(d, source=f"{scenario} with {other} states")


def by_doctrine(sc: Scenario, worlds: int, years: int, seed: int) -> pd.DataFrame:
    """Per doctrine of ``sc``: states, crises pressed and wars started per state-century, share alive at the end."""
    res = simulate(sc, worlds=worlds, years=years, seed=seed, states="ends")
    doctrine = {s.name: s.doctrine for s in sc.states}
    ev = res.events
    last = res.states[res.states.year == res.states.year.max()]
    rows = {}
    for name in dict.fromkeys(doctrine.values()):
        mine = [s for s, d in doctrine.items() if d == name]
        state_centuries = len(mine) * worlds * years / 100
        rows[name] = {
            "states": len(mine),
            "crises_per_state_century": ev[(ev.event == "crisis") & ev.challenger.isin(mine)].shape[0] / state_centuries,
            "wars_started_per_state_century": ev[(ev.event == "war_start") & ev.attacker.isin(mine)].shape[0] / state_centuries,
            "alive_at_end": float(last[last.state.isin(mine)].alive.mean()),
        }
    return pd.DataFrame(rows).T


def main(worlds: int = 200, years: int = 100, seed: int = 0) -> pd.DataFrame:
    """The table of :func:`by_doctrine` for the jackal mix and the offensive mix (rows ``(run, doctrine)``)."""
    parts = {f"with {o}": by_doctrine(mixed(other=o), worlds, years, seed) for o in ("jackal", "offensive")}
    return pd.concat(parts, names=["run", "doctrine"])


if __name__ == "__main__":  # pragma: no cover
    ap = argparse.ArgumentParser(description="A user doctrine (Schweller's 1994 jackal), registered and run.")
    ap.add_argument("--worlds", type=int, default=200)
    ap.add_argument("--years", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"multipolar, every third state jackal (then offensive), the rest defensive: "
          f"{args.worlds} worlds × {args.years} years, seed {args.seed}")
    print("registered doctrines:", ", ".join(registered()))
    with pd.option_context("display.float_format", "{:.3f}".format, "display.width", 160,
                           "display.max_columns", 10):
        print(main(args.worlds, args.years, args.seed))

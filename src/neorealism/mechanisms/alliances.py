"""Alliances: who is aligned with whom.

External balancing — states pooling capabilities against a common threat —
is the second of Waltz's (1979, ch. 6) two means of balancing; Walt (1987)
refines it to balancing against threats.  In the structural core the
alliances in force at the start are set by the scenario (for scenarios from
a real year: the COW formal alliances then in force, Gibler 2009) and held
fixed; an alliance ends when a member dies (in :func:`.conflict.resolve`).  Allies never fight each other
and an ally's power is no threat (:mod:`.threat`).  Forming, joining and
leaving alliances, and allies joining wars on a side (:func:`.conflict.join`),
extend this module.
"""

from __future__ import annotations

import numpy as np

from .base import Mechanism, StateField


def _allied0(ctx):
    sc = ctx.scenario
    index = {s.name: k for k, s in enumerate(sc.states)}
    N = sc.n_states
    allied = np.zeros((N, N), dtype=bool)
    for a, b in sc.alliances:
        allied[index[a], index[b]] = allied[index[b], index[a]] = True
    return allied


MECHANISM = Mechanism(
    name="alliances",
    params=None,  # type: ignore[arg-type]
    doc="Alliances in force: set by the scenario, ended when a member dies (Waltz 1979, ch. 6; Walt 1987).",
    sources=("Waltz 1979, ch. 6", "Walt 1987", "Gibler 2009"),
    fields=(StateField("allied", np.bool_, "pair", _allied0, "symmetric alliance matrix"),),
    module=__name__,
)

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


def expected_support(state, params, r, i):
    """What the deciders ``i`` (in worlds ``r``, K of them) expect third parties to bring to a war.

    Returns ``(for_target, for_self)``, each (K, N): for every candidate
    target j, the military that j's allies would add to j's side, and that
    i's own allies would add to i's side, as i perceives it (its
    ``seen_military``), projected to j's territory and weighted by the
    chance each ally honours its commitment.  The conflict's expected
    utility and its bargaining read these, so alliances deter (Walt 1987;
    Leeds 2003).  (Stub: no ally is expected to help.)
    """
    K, N = len(r), state.shape[1]
    z = np.zeros((K, N))
    return z, z


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

"""Structure: the distribution of capabilities across units, and which units still exist.

Waltz (1979, ch. 5) defines an international-political structure by its
ordering principle (anarchy), the functions of its units (alike: every state
must provide for its own security) and the distribution of capabilities
across them — the only part that varies between systems.  This mechanism
owns that distribution: each state's five material capability components
(Singer, Bremer & Stuckey 1972's bases of national power) and whether it
still exists (death is absorbing: states that are conquered never return,
Waltz 1979, p. 91).  Other mechanisms change these fields; none adds to them.
"""

from __future__ import annotations

import numpy as np

from .base import InitContext, Measure, Mechanism, StateField


def _tile(attr: str):
    return lambda ctx: ctx.per_state(attr)


def _alive(ctx: InitContext):
    return np.ones(ctx.shape, dtype=bool)


MECHANISM = Mechanism(
    name="structure",
    params=None,  # type: ignore[arg-type]  # the structure is set by the scenario's states, not by parameters
    doc="The distribution of capabilities (Waltz 1979, ch. 5): five capability components per state, and who is alive.",
    sources=("Waltz 1979, ch. 5", "Singer, Bremer & Stuckey 1972"),
    fields=(
        StateField("alive", np.bool_, "state", _alive, "the state exists (death is absorbing)", record=True),
        StateField("military", np.float64, "state", _tile("military"), "military stock (arms, forces)", record=True),
        StateField("economy", np.float64, "state", _tile("economy"), "economic output", record=True),
        StateField("population", np.float64, "state", _tile("population"), "population", record=True),
        StateField("resources", np.float64, "state", _tile("resources"), "natural resources / energy", record=True),
        StateField("technology", np.float64, "state", _tile("technology"), "technology multiplier on military production", record=True),
    ),
    measures=(
        Measure("n_alive", "system", np.int32, lambda s, p: s.alive.sum(axis=-1), "states alive"),
    ),
    module=__name__,
)

"""Nuclear deterrence: a secure second strike makes war against its holder catastrophically costly.

Brodie (1946) drew the conclusion of the absolute weapon at once: once a
state can retaliate with nuclear weapons after absorbing a first strike, the
purpose of its forces is no longer to win wars but to avert them.  Schelling
(1966) recast force as the power to hurt: what deters is the certainty of
unacceptable punishment, not the prospect of losing on the battlefield.
Jervis (1989) argued that this "nuclear revolution" changes the logic of the
balance of power itself — between states that hold secure second-strike
forces, victory in a major war is no longer possible, so neither can gain by
attacking the other whatever the balance of conventional forces; and Waltz
(1981, "more may be better") drew the structural consequence that the
spread of such forces makes war between their holders very unlikely.

In the model this is one extra expected cost of war for the challenger,
in shares of its own economy, read by the crisis calculus of
:mod:`.conflict` through the ``war_cost`` role (summed with any other such
cost):

    D_ij = c · (1 − π · n_i) · max(n_j, u · a_j)

with c = ``catastrophe`` (the expected cost of attacking a state with a
secure second strike, in shares of the attacker's economy), n_i, n_j ∈ {0, 1}
whether the attacker and the target hold nuclear forces, π = ``paradox``
and u = ``umbrella``; a_j = 1 when j is allied with a living nuclear state
(extended deterrence: the ally's deterrent is extended to j in the share u).
D is 0 on the diagonal, against a dead target and when the mechanism is off.
The step runs at the ``assess`` stage, before the war decision reads it; a
``measure`` step takes the force of a state conquered during the year.

The stability–instability paradox (Snyder 1965): when both sides hold
secure second strikes, each can believe that the other will not escalate a
limited conflict to the strategic level, since that would be suicide for
both; the very stability at the top makes violence at lower levels
thinkable.  With π > 0 the catastrophe between two nuclear states is
discounted by the share π (escalation believed controllable), so crises and
limited war between them return in part; against a non-nuclear state facing
a nuclear one the full cost stays.  π = 0 (the default) is the pure
deterrence view of Brodie and Jervis.

Who holds a force: the scenario sets the year from which each state does
(``nuclear_since``, a calendar year; at or before ``start_year`` it holds
one from the start); and with ``acquisition_technology`` > 0 a state whose
technology reaches that level acquires one (the "technology threshold" of
proliferation).  An aggregate ("Rest of world") is no actor and holds
none.  Acquisition is permanent while the state lives (the model has no
nuclear disarmament; South Africa, which built and then dismantled a few
devices, is the exception it leaves out); a dead state holds none.  The
data's years are first tests: most states reached a secure second strike
only later (the Soviet Union arguably in the mid-1960s), which the model
does not distinguish — ``catastrophe`` can be lowered to stand for a less
secure force.

What it leaves out: it does not change threat or arming (nuclear states
still see each other's conventional forces and arm against them, as the
superpowers did), nor the outcome of a war that is fought; it makes the
decision to start one against a nuclear state almost never pay.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field

from ..schema import StrictModel
from .base import (
    EventField,
    EventKind,
    InitContext,
    Measure,
    Mechanism,
    StateField,
    Step,
    anywhere,
    constant_view,
    emit,
    memo,
    neutral_view,
)


class NuclearParams(StrictModel):
    """Nuclear deterrence: war against a secure second strike is catastrophically costly (Brodie 1946; Jervis 1989).

    The challenger's extra expected cost of attacking j, in shares of its economy:
    D_ij = catastrophe · (1 − paradox·[i nuclear]) · max([j nuclear], umbrella·[j allied with a nuclear state]).
    """

    enabled: bool = Field(default=True, description="nuclear deterrence on (off: the model without this mechanism)")
    catastrophe: float = Field(
        default=1.0, ge=0.0, le=100.0,
        description="expected cost, in shares of the attacker's own economy, of attacking a state that holds a secure "
        "second strike (Brodie 1946; Schelling 1966's power to hurt; 1 = its whole economy)",
    )
    paradox: float = Field(
        default=0.0, ge=0.0, le=1.0,
        description="stability–instability paradox (Snyder 1965): between two nuclear states the catastrophe is "
        "discounted by this share (escalation believed controllable, so limited conflict becomes thinkable); 0 = off",
    )
    acquisition_technology: float = Field(
        default=0.0, ge=0.0, le=1000.0,
        description="a state whose technology reaches this level acquires a nuclear force (proliferation past a "
        "technology threshold; Waltz 1981); 0 = never (only the scenario's nuclear_since)",
    )
    umbrella: float = Field(
        default=0.0, ge=0.0, le=1.0,
        description="extended deterrence: the share of a nuclear ally's deterrent that covers its non-nuclear allies "
        "(0 = none; 1 = an ally is as well protected as the nuclear state itself)",
    )


# --------------------------------------------------------------------------- the schedule


def _derive(sc: Any, params: Any) -> dict[str, Any]:
    """``nuclear_from`` (N,): the year index t from which each state holds a force (inf: never scheduled).

    Year index t is the calendar year ``start_year + t`` (t = 0 the initial state).
    """
    since = [getattr(s, "nuclear_since", None) for s in sc.states]
    return {"nuclear_from": np.array([np.inf if y is None else float(y - sc.start_year) for y in since])}


def _init_nuclear(ctx: InitContext) -> np.ndarray:
    on = np.asarray(ctx.params.nuclear.enabled, dtype=bool)  # () or (R, 1)
    scheduled = (ctx.params.nuclear_from <= 0.0) & ctx.params.actor  # an aggregate is no actor: it holds none
    return np.broadcast_to(scheduled[None, :] & on, ctx.shape)


def deterrent(nuclear: np.ndarray, alive: np.ndarray, allied: np.ndarray | None, params: Any) -> np.ndarray:
    """D_ij (R, N, N): the extra expected cost, in shares of i's economy, of i attacking j (module docstring).

    A function of who holds a living force (and, with an umbrella, of the alliances) only: the dead cast
    no deterrent; a dead state's row is what it would face (it never decides).
    """
    q = params.nuclear
    R, N = nuclear.shape
    nuc = nuclear & alive
    cover = nuc.astype(np.float64)  # (R, N): 1 for j's own force
    umb = q.umbrella
    if allied is not None and anywhere(umb, lambda u: u > 0) and nuc.any():
        # j allied with a living nuclear state (never j itself: the diagonal of allied is False); only the
        # columns of states nuclear in some world can cover anyone, and they are few
        cols = np.flatnonzero(nuc.any(axis=0))
        extended = (allied[:, :, cols] & nuc[:, None, cols]).any(axis=-1) & alive
        cover = np.maximum(cover, umb * extended)
    # (R, N): the catastrophe, discounted by the paradox when the attacker holds a force too
    attacker = (q.catastrophe * np.asarray(q.enabled, dtype=np.float64)) * (1.0 - q.paradox * nuc)
    d = np.multiply(np.broadcast_to(attacker, (R, N))[:, :, None], cover[:, None, :])  # one pass over the pairs
    idx = np.arange(N)
    d[:, idx, idx] = 0.0
    return d


def _init_deterrent(ctx: InitContext) -> np.ndarray:
    nuc = _init_nuclear(ctx)
    if not nuc.any():
        return np.zeros(())
    sc = ctx.scenario
    index = {s.name: k for k, s in enumerate(sc.states)}
    allied = np.zeros((sc.n_states, sc.n_states), dtype=bool)  # the scenario's starting alliances
    for x, y in sc.alliances:
        allied[index[x], index[y]] = allied[index[y], index[x]] = True
    R, N = ctx.shape
    return deterrent(nuc, np.ones((R, N), dtype=bool), np.broadcast_to(allied, (R, N, N)), ctx.params)


# --------------------------------------------------------------------------- the step


def assess(keys, state, params):
    """Who holds a force this year (schedule, technology threshold, death), and the deterrent it casts."""
    q = params.nuclear
    R, N = state.shape
    if not memo(params, "nuclear.enabled", lambda: anywhere(q.enabled, lambda e: e)):
        det = neutral_view(state.nuclear_deterrent, 0.0, (R, N, N))
        return (state if det is state.nuclear_deterrent else state.replace(nuclear_deterrent=det)), ()
    year = state.t + 1  # the year index being simulated (calendar year start_year + t + 1)
    alive = state.alive
    before = state.nuclear
    thr = q.acquisition_technology
    first, by_tech = memo(params, "nuclear.due", lambda: (float(np.min(params.nuclear_from, initial=np.inf)),
                                                          anywhere(thr, lambda x: x > 0)))
    if year < first and not by_tech and not before.any():
        # no force anywhere and none due this year: the zero deterrent (the state as it is when it already holds it)
        det = neutral_view(state.nuclear_deterrent, 0.0, (R, N, N))
        return (state if det is state.nuclear_deterrent else state.replace(nuclear_deterrent=det)), ()
    due = params.nuclear_from[None, :] <= year
    if anywhere(thr, lambda x: x > 0):
        due = due | ((thr > 0) & (state.technology >= thr))
    on = np.asarray(q.enabled, dtype=bool)
    nuc = (before | due) & alive & params.actor[None, :] & on
    events = []
    new = nuc & ~before
    if new.any():
        r, i = np.nonzero(new)
        events.append(emit("nuclear_acquired", r, state=i))
    allied = getattr(state, "allied", None)
    if not nuc.any():
        # no force in any world: the deterrent is zero, an array of one value that the war decision skips
        det = constant_view(0.0, (R, N, N))
    elif (allied is None or not anywhere(q.umbrella, lambda u: u > 0)) and np.array_equal(nuc, before):
        det = state.nuclear_deterrent  # the same holders and no umbrella: the same deterrent as last year
    else:
        det = deterrent(nuc, alive, allied, params)
    return state.replace(nuclear=nuc, nuclear_deterrent=det), events


def drop_dead(keys, state, params):
    """A state conquered this year holds no force (so the states table never shows a dead holder)."""
    nuc = state.nuclear
    if not nuc.any():
        return state, ()
    lost = nuc & ~state.alive
    if not lost.any():
        return state, ()
    return state.replace(nuclear=nuc & state.alive), ()


MECHANISM = Mechanism(
    name="nuclear",
    params=NuclearParams,
    doc=NuclearParams.__doc__ or "",
    sources=("Brodie 1946", "Schelling 1966", "Snyder 1965", "Waltz 1981", "Jervis 1989"),
    fields=(
        StateField("nuclear", np.bool_, "state", _init_nuclear,
                   "the state holds a secure second-strike nuclear force (Brodie 1946; Jervis 1989)", record=True),
        StateField("nuclear_deterrent", np.float64, "pair", _init_deterrent,
                   "extra expected cost for i of attacking j, in shares of i's economy: catastrophe × j's force "
                   "(or its ally's umbrella), discounted by the stability–instability paradox between two nuclear "
                   "states (Snyder 1965)", role="war_cost"),
    ),
    events=(
        EventKind("nuclear_acquired", (EventField("state", "state", "the state that acquired a nuclear force"),),
                  "a state acquires a secure second-strike nuclear force (its scenario year, or the technology threshold)"),
    ),
    measures=(
        Measure("nuclear_states", "system", np.int32, lambda s, p: (s.nuclear & s.alive).sum(axis=-1),
                "living states holding a nuclear force"),
    ),
    steps=(Step("assess", assess), Step("measure", drop_dead)),
    derive=_derive,
    module=__name__,
)

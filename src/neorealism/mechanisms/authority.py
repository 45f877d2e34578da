"""Anarchy and its counterfactual: a world authority that enforces.

Anarchy means no authority above states (Waltz 1979, ch. 6); the default
ρ = 0 encodes it.  With ρ > 0 an authority stops a war at its start with
probability ρ and punishes the initiator by taking a share ``penalty`` of
its military and economy.  States anticipate this (the expected-utility term
of :mod:`.conflict`), so hierarchy deters as well as intervenes.  Runs at the
``decide`` stage after the war decisions: it cancels planned wars.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from .. import rng
from ..schema import StrictModel
from .base import EventField, EventKind, Mechanism, Step, Stream, anywhere, emit, memo

ENFORCE = Stream("authority", "enforcement", legacy=5)


class AuthorityParams(StrictModel):
    """Anarchy or hierarchy.  ρ = 0 is anarchy (Waltz 1979): no one enforces anything.

    ρ > 0 is the counterfactual of a world authority that, with probability ρ,
    stops a war and punishes its initiator.
    """

    enforcement: float = Field(default=0.0, ge=0.0, le=1.0, description="ρ: probability the authority punishes an initiator of war")
    penalty: float = Field(default=0.3, ge=0.0, le=1.0, description="share of military and economy the authority takes from a punished initiator")


def expected_penalty(params):
    """Expected cost of initiating, in shares of one's own economy: ρ·penalty."""
    return params.authority.enforcement * params.authority.penalty


def enforce(keys, state, params):
    """Stop and punish a share ρ of the wars planned this year."""
    a = params.authority
    if not memo(params, "authority.on", lambda: anywhere(a.enforcement, lambda x: x > 0)):
        return state, ()
    plan = state.war_plan
    u = rng.uniform(keys, state.t + 1, ENFORCE.id, (state.shape[1],))
    stopped = (plan >= 0) & (u < a.enforcement)
    keep = np.where(stopped, 1.0 - a.penalty, 1.0)
    r, i = np.nonzero(stopped)
    ev = emit("war_prevented", r, attacker=i, defender=plan[r, i])
    new = state.replace(
        military=state.military * keep,
        economy=state.economy * keep,
        war_plan=np.where(stopped, -1, plan),
    )
    return new, (ev,)


def _summary(rs, s):
    n = s.get("wars_prevented", 0)
    return [f"Wars prevented by the authority: {n}"] if n else []


MECHANISM = Mechanism(
    name="authority",
    params=AuthorityParams,
    doc=AuthorityParams.__doc__ or "",
    sources=("Waltz 1979, ch. 6",),
    streams=(ENFORCE,),
    events=(
        EventKind(
            "war_prevented",
            (
                EventField("attacker", "state", "the state that would have started the war"),
                EventField("defender", "state", "its intended target"),
            ),
            "the authority stopped a war at its start and punished the initiator",
        ),
    ),
    steps=(Step("decide", enforce),),
    summary=_summary,
    module=__name__,
)

"""Types and beliefs: capabilities are seen, intentions never are (the security dilemma).

Each state is privately a *security seeker* or *greedy* (Glaser 2010; Kydd
2005): a greedy state values expansion beyond security — it arms beyond what
its threats justify (``greed_arming``) and puts a premium on what war would
take (``greed_value``).  A scenario sets a state's ``type`` or leaves it to be
drawn, greedy with probability ``greedy_share``, the common prior.

Every state holds, for every other, a belief b_ij that j is greedy, updated
each year by Bayes' rule on the odds, b' = b·LR / (b·LR + 1 − b), from what i
observed of j in the year before (Kydd 2005, ch. 2; Jervis 1976, ch. 3); the
likelihood ratio LR = e^λ sums these log-likelihood ratios λ:

* **arming** — j's burden b_j against the burden its own threat environment
  justifies, b̄_j (:mod:`.armament`'s ``burden_justified``, sufficiency against
  the threats j faces): the excess y_j = log((b_j + ε)/(b̄_j + ε)).  Offence and
  defence are only partly distinguishable (Jervis 1978): with signal clarity c
  the observer reads y = c·y_j + (1 − c)·log((b_j + ε)/(base + ε)), so that at low
  clarity defensive arming against real threats looks like excess.  Its
  likelihoods: y ~ N(c·Δ, σ) for a greedy j, N(0, σ) for a security seeker,
  Δ = log(1 + greed_arming), σ = ``arming_noise``; the log-likelihood ratio is
  c·Δ/σ² · (y − c·Δ/2).  ``signal_clarity`` thus sets how far the two types'
  likelihoods differ: at 0 arming tells nothing, at 1 it tells all it can.
* **aggression** — j pressed a crisis (against anyone): + ``aggression_evidence``,
  twice that for the state it pressed.
* **alliance moves** — j allied with i: − ``alliance_evidence``; j allied with a
  state i believes greedy: + ``alliance_evidence``.

Beliefs are held within expit(±``max_logit``) (no belief becomes certain).  The belief
enters threat as Walt's (1987) intentions factor, I_ij = max(0, 1 + 2w·(b_ij − q))
(``intentions_weight`` w, q the prior ``greedy_share``: 1 at the prior, so
that the threat of a state nobody knows more about is Walt's threat as
before), and the war decision as
*hostility*, the pre-emptive motive (:func:`.bargaining.preemption_premium`).
With ``known_types`` every belief is the truth; with ``enabled`` False there
are no types and no beliefs, and the model is the model without this
mechanism.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from .. import fmath, rng
from ..kernels import use_kernels
from ..schema import StrictModel
from .armament import _burden0
from .base import (
    Measure,
    Mechanism,
    StateField,
    Step,
    Stream,
    anywhere,
    laid_out,
    memo,
    pair,
    per_world_vector,
)

TYPE = Stream("beliefs", "type")
#: ε of the arming signal log((b + ε)/(b̄ + ε)): burdens near 0 carry no infinite evidence.
EPS = 0.005
#: The belief a state holds about another's aims where beliefs are switched off (nothing is known).
UNKNOWN = 0.5


class BeliefParams(StrictModel):
    """Private types (security seeker or greedy) and Bayesian beliefs about them (Kydd 2005; Glaser 2010; Jervis 1976, 1978)."""

    enabled: bool = Field(default=True, description="model types and beliefs (off: no greedy states, no beliefs; the model without this mechanism)")
    greedy_share: float = Field(default=0.3, ge=0.0, le=1.0, description="probability that a state whose type the scenario leaves open is greedy; the common prior of every belief")
    signal_clarity: float = Field(default=0.5, ge=0.0, le=1.0, description="c: how far offensive arming is told from defensive arming (Jervis 1978's distinguishability): the observed excess is c·(true excess) + (1 − c)·(the build-up since the year before), and the two types' likelihoods differ by c·log(1 + greed_arming)")
    known_types: bool = Field(default=False, description="every state knows every other's type (beliefs are the truth)")
    greed_arming: float = Field(default=0.3, ge=0.0, le=3.0, description="a greedy state seeks (1 + greed_arming) × the military its threats justify")
    greed_value: float = Field(default=0.5, ge=0.0, le=5.0, description="a greedy state values what war would take at (1 + greed_value) × its worth (it wants more than security)")
    arming_noise: float = Field(default=0.5, ge=0.01, le=10.0, description="σ of the observer's likelihoods of the arming signal (log units): larger, slower learning")
    aggression_evidence: float = Field(default=0.5, ge=0.0, le=10.0, description="log-likelihood ratio (greedy against security seeker) of pressing a crisis; twice for the state pressed")
    alliance_evidence: float = Field(default=0.5, ge=0.0, le=10.0, description="log-likelihood ratio of allying with a state the observer believes greedy (its opposite for allying with the observer)")
    max_logit: float = Field(default=5.0, gt=0.0, le=30.0, description="bound on the log-odds of a belief (no belief becomes certain: at 5, between 0.7% and 99.3%)")
    intentions_weight: float = Field(default=0.8, ge=0.0, le=1.0, description="w: Walt's intentions factor I = max(0, 1 + 2w·(b − greedy_share)) on the threat from a state believed greedy with probability b (1 at the prior)")


def _type(ctx) -> NDArray[np.bool_]:
    p = ctx.params.beliefs
    R, N = ctx.shape
    if not anywhere(p.enabled, lambda x: x):
        return np.zeros((R, N), dtype=bool)
    u = rng.uniform(ctx.keys, 0, TYPE.id, (N,))
    share = p.greedy_share
    drawn = u < share
    fixed = [s.type for s in ctx.scenario.states]
    set_ = np.array([t is not None for t in fixed])
    value = np.array([t == "greedy" for t in fixed])
    out = np.where(set_[None, :], value[None, :], drawn)
    on = p.enabled
    return out & on


def _bounds(params) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The bounds of a belief, expit(∓max_logit), as (R, 1, 1) columns or numbers."""
    m = np.asarray(pair(params.beliefs.max_logit), dtype=np.float64)
    return 1.0 / (1.0 + fmath.exp(m)), 1.0 / (1.0 + fmath.exp(-m))


def _prior(params) -> NDArray[np.float64]:
    lo, hi = _bounds(params)
    return np.minimum(np.maximum(np.asarray(pair(params.beliefs.greedy_share), dtype=np.float64), lo), hi)


def _belief0(ctx):
    p = ctx.params
    R, N = ctx.shape
    b = np.broadcast_to(_prior(p), (R, N, N)).copy()
    b = _truth_if_known(b, _type(ctx), p)
    b[:, np.arange(N), np.arange(N)] = 0.0
    # without beliefs a rival's aims are unknown: ½ (what a reader of beliefs assumes without the mechanism)
    b = np.where(pair(p.beliefs.enabled), b, UNKNOWN)
    b[:, np.arange(N), np.arange(N)] = 0.0
    return b


def _hostility0(ctx):
    return np.where(pair(ctx.params.beliefs.enabled), _belief0(ctx), 0.0)


def _truth_if_known(b, greedy, params):
    known = params.beliefs.known_types
    if anywhere(known, lambda x: x):
        lo, hi = _bounds(params)
        b = np.where(pair(known), np.where(greedy[:, None, :], hi, lo), b)
    return b


def intent_factor(belief, params) -> NDArray[np.float64]:
    """Walt's intentions factor I = max(0, 1 + 2w·(b − q)) for the belief b that j is greedy (w the
    ``intentions_weight``, q the prior ``greedy_share``; per-world parameters shaped over pairs)."""
    b = params.beliefs
    w2 = 2.0 * np.asarray(pair(b.intentions_weight), dtype=np.float64)
    return np.maximum(0.0, 1.0 + w2 * (belief - pair(b.greedy_share)))


def _intent(belief, params) -> NDArray[np.float64]:
    """Walt's intentions factor from the beliefs, 1 on the diagonal and where beliefs are off."""
    b = params.beliefs
    N = belief.shape[-1]
    intent = intent_factor(belief, params)
    intent = np.where(np.eye(N, dtype=bool)[None], 1.0, intent)
    return np.where(pair(b.enabled), intent, 1.0)


def _type_fields(greedy, params) -> dict[str, NDArray]:
    b = params.beliefs
    gw = b.greed_value
    ga = b.greed_arming
    return {
        "greed_gain": np.where(greedy, 1.0 + gw, 1.0),
        "greed_arming_factor": np.where(greedy, 1.0 + ga, 1.0),
        "aims": np.where(greedy, 1.0, 0.0),
    }


def _init_type_field(name):
    return lambda ctx: _type_fields(_type(ctx), ctx.params)[name]


def _init_intent(ctx):
    return _intent(_belief0(ctx), ctx.params)


def _common_evidence(state, params):
    """What every observer of j sees alike: exp(λ) of j's arming and aggression, (R, N); the targets
    of j's crises, (R, N) (−1 none); and exp(aggression_evidence), the victim's extra factor, (R,)."""
    b = params.beliefs
    R, N = state.shape
    c = b.signal_clarity
    burden = state.burden
    y_true = fmath.log((burden + EPS) / (state.burden_justified + EPS))
    y_mis = fmath.log((burden + EPS) / (state.burden_seen + EPS))  # a build-up, whatever its cause
    y = c * y_true + (1.0 - c) * y_mis
    ga = b.greed_arming
    sd = b.arming_noise
    d = c * fmath.log1p(ga)
    llr = (d / (sd * sd)) * (y - 0.5 * d)  # (R, N): the same for every observer
    # aggression: j pressed a crisis last year (twice the evidence for the state it pressed)
    ae = b.aggression_evidence
    ct = getattr(state, "crisis_target", None)
    ct = np.full((R, N), -1, dtype=np.int64) if ct is None else ct
    llr = np.where(ct >= 0, llr + ae, llr)
    # a year's evidence beyond ±50 in log-odds says no more than 50 (the belief is bounded far within it)
    e_j = fmath.exp(np.clip(np.where(state.alive, llr, 0.0), -50.0, 50.0))
    return e_j, ct, per_world_vector(fmath.exp(np.asarray(ae, dtype=np.float64)), R)


def _alliance_factors(params, R):
    al = np.asarray(params.beliefs.alliance_evidence, dtype=np.float64)
    return per_world_vector(fmath.exp(al), R), per_world_vector(fmath.exp(-al), R)


def likelihood_ratios(state, params) -> NDArray[np.float64]:
    """The likelihood ratio (greedy against security seeker) of what each i observed of each j
    last year, (R, N, N): arming beyond what j's threats justify (as clearly as ``signal_clarity``
    lets it be told), aggression, and alliance moves (NumPy reference)."""
    R, N = state.shape
    e_j, ct, eae = _common_evidence(state, params)
    lr = np.broadcast_to(e_j[:, None, :], (R, N, N)).copy()
    rr, jj = np.nonzero(ct >= 0)
    if len(rr):
        lr[rr, ct[rr, jj], jj] *= eae[rr]
    # alliance moves since the last update: j newly allied with k is evidence against j for every i that
    # believes k greedy (b_ik > ½), and for k itself evidence that j is benign
    idx = np.flatnonzero(state.allied & ~state.allied_seen)
    if len(idx):
        nw, rest = np.divmod(idx, N * N)
        nj, nk = np.divmod(rest, N)
        flat = np.zeros(R * N * N, dtype=np.int8)
        e, obs = np.nonzero(state.belief[nw, :, nk] > 0.5)  # (new alliance, observer i)
        flat[(nw[e] * N + obs) * N + nj[e]] = 1
        flat[(nw * N + nk) * N + nj] -= 1
        nz = np.flatnonzero(flat)
        up, down = _alliance_factors(params, R)
        lr.reshape(-1)[nz] *= np.where(flat[nz] > 0, up[nz // (N * N)], down[nz // (N * N)])
    return lr


def bayes(belief, lr, lo, hi) -> NDArray[np.float64]:
    """Bayes' rule on the odds: b' = b·LR / (b·LR + 1 − b), held in [lo, hi]; 0 stays 0 (the diagonal)."""
    x = belief * lr
    with np.errstate(invalid="ignore", divide="ignore"):
        out = x / (x + (1.0 - belief))
    out = np.minimum(np.maximum(out, lo), hi)
    N = belief.shape[-1]
    out[:, np.arange(N), np.arange(N)] = 0.0
    return out


def update(keys, state, params):
    """Bayes' rule on last year's evidence; the beliefs and the intentions factor that reads them."""
    b = params.beliefs
    enabled, known = memo(params, "beliefs.switches", lambda: (anywhere(b.enabled, lambda x: x),
                                                               anywhere(b.known_types, lambda x: x)))
    if not enabled:
        return state, ()
    if use_kernels():
        from . import beliefs_kernels as k

        R, N = state.shape
        vec = memo(params, "beliefs.kernel", lambda: [per_world_vector(np.asarray(x).reshape(-1) if np.ndim(x) else x, R)
                                                      for x in (*_bounds(params), 2.0 * np.asarray(b.intentions_weight, dtype=np.float64),
                                                                b.greedy_share)] + list(_alliance_factors(params, R)))
        ev, eae = memo(params, "beliefs.evidence", lambda: (
            [per_world_vector(x, R) for x in (b.signal_clarity, b.greed_arming, b.arming_noise, b.aggression_evidence)],
            per_world_vector(fmath.exp(np.asarray(b.aggression_evidence, dtype=np.float64)), R)))
        c = np.ascontiguousarray
        ct = getattr(state, "crisis_target", None)
        ct = np.full((R, N), -1, dtype=np.int64) if ct is None else c(ct, dtype=np.int64)
        belief, intent = k.evidence_and_update(
            c(state.burden, dtype=np.float64), c(state.burden_justified, dtype=np.float64),
            c(state.burden_seen, dtype=np.float64), c(state.alive, dtype=np.bool_), ct, EPS, *ev,
            c(state.belief), eae, c(state.allied), c(state.allied_seen), *vec)
    else:
        lo, hi = _bounds(params)
        belief = bayes(state.belief, likelihood_ratios(state, params), lo, hi)
        intent = _intent(belief, params)
    if known:
        belief = _truth_if_known(belief, state.greedy, params)
        belief[:, np.arange(state.shape[1]), np.arange(state.shape[1])] = 0.0
        intent = _intent(belief, params)
    on = pair(b.enabled)
    hostility = belief
    if isinstance(b.enabled, np.ndarray):  # some worlds without beliefs keep them as they are
        belief = np.where(on, belief, state.belief)
        hostility = np.where(on, hostility, state.hostility)
        intent = np.where(on, intent, state.intent_factor)
    return state.replace(belief=belief, hostility=hostility, intent_factor=intent, allied_seen=state.allied,
                         burden_seen=state.burden), ()


def misjudgement(state, params) -> NDArray[np.float64]:
    """Mean |b_ij − [j greedy]| over the living pairs of unitary states (0: every type known).

    As b ∈ [0, 1] and the type is 0 or 1, |b − g| = b·(1 − 2g) + g: one matrix–vector pass
    (with the kernels, :func:`.beliefs_kernels.belief_measure`: the same numbers)."""
    fast = _measure_kernel(state, params, False)
    if fast is not None:
        return fast
    present = (state.alive & params.actor[None, :]).astype(np.float64)
    g = state.greedy * present
    w = present - 2.0 * g
    k = present.sum(axis=1)
    # Σ_i∈present Σ_j≠i b_ij·w_j + (k − 1)·Σ_j g_j  (the diagonal of b is 0)
    total = np.einsum("ri,ri->r", np.einsum("rij,rj->ri", state.belief, w), present) + (k - 1.0) * g.sum(axis=1)
    n = k * (k - 1.0)
    return np.where((n > 0) & _on(params), total / np.maximum(n, 1.0), 0.0)


def _measure_kernel(state, params, suspicion):
    """:func:`misjudgement` or :func:`suspicion` by the kernel, or None where the NumPy form runs (kernels
    off, or beliefs not a contiguous float64 (R, N, N) array: einsum sums those in another order)."""
    b = state.belief
    R, N = state.shape
    if not (use_kernels() and isinstance(b, np.ndarray) and b.dtype == np.float64 and b.shape == (R, N, N)
            and b.flags.c_contiguous):
        return None
    from .beliefs_kernels import belief_measure

    on = memo(params, ("beliefs.on", R), lambda: np.ascontiguousarray(np.broadcast_to(_on(params), (R,)), dtype=np.bool_))
    return belief_measure(b, laid_out(state.alive, (R, N), np.bool_), params.actor,
                          laid_out(state.greedy, (R, N), np.bool_), on, suspicion)


def _on(params):
    e = params.beliefs.enabled
    return e[:, 0] if isinstance(e, np.ndarray) else bool(e)


def suspicion(state, params) -> NDArray[np.float64]:
    """Mean belief that a security seeker is greedy, over the living pairs (the fuel of spirals)
    (with the kernels, :func:`.beliefs_kernels.belief_measure`: the same numbers)."""
    fast = _measure_kernel(state, params, True)
    if fast is not None:
        return fast
    present = (state.alive & params.actor[None, :]).astype(np.float64)
    seekers = present * (~state.greedy)
    total = np.einsum("ri,ri->r", np.einsum("rij,rj->ri", state.belief, seekers), present)  # the diagonal is 0
    n = present.sum(axis=1) * seekers.sum(axis=1) - seekers.sum(axis=1)
    return np.where((n > 0) & _on(params), total / np.maximum(n, 1.0), 0.0)


def _greedy_count(state, params):
    return (state.greedy & state.alive).sum(axis=-1)


def _summary(rs, s):
    """Run-summary line: greedy states, and the error of beliefs about types at the start and the end."""
    if rs is None:
        return []
    c = rs.query(
        "SELECT year, avg(misjudgement) AS err, avg(suspicion) AS sus, avg(greedy_states) AS g FROM system "
        "WHERE year = (SELECT min(year) FROM system) OR year = (SELECT max(year) FROM system) GROUP BY year ORDER BY year"
    )
    if len(c) < 2 or not float(c["g"].iloc[0]) and not float(c["err"].iloc[0]):
        return []
    first, last = c.iloc[0], c.iloc[-1]
    return [f"Beliefs about types: {first.g:.2f} greedy states per world at the start, {last.g:.2f} at the end; "
            f"misjudgement {first.err:.3f} → {last.err:.3f}, suspicion of security seekers {first.sus:.3f} → {last.sus:.3f}"]


MECHANISM = Mechanism(
    name="beliefs",
    params=BeliefParams,
    doc=BeliefParams.__doc__ or "",
    sources=("Jervis 1976", "Jervis 1978", "Kydd 2005", "Glaser 2010", "Walt 1987"),
    fields=(
        StateField("greedy", np.bool_, "state", _type, "the state's private type: greedy (True) or a security seeker"),
        StateField("belief", np.float64, "pair", _belief0, "i's belief that j is greedy (0 on the diagonal)"),
        StateField("allied_seen", np.bool_, "pair", lambda ctx: np.zeros((), dtype=bool),
                   "the alliances at the last update (alliance moves are the change)"),
        StateField("burden_seen", np.float64, "state", lambda ctx: _burden0(ctx),
                   "the burdens at the last update (a build-up is the change)"),
        StateField("intent_factor", np.float64, "pair", _init_intent,
                   "Walt's intentions factor on the threat from j: max(0, 1 + 2w·(belief − prior))", role="intentions"),
        StateField("hostility", np.float64, "pair", _hostility0,
                   "the pre-emptive motive: i's belief that j is greedy", role="hostility"),
        StateField("greed_gain", np.float64, "state", _init_type_field("greed_gain"),
                   "weight on what war would take: 1 + greed_value for a greedy state", role="gain_weight"),
        StateField("greed_arming_factor", np.float64, "state", _init_type_field("greed_arming_factor"),
                   "factor on the military sought: 1 + greed_arming for a greedy state", role="arming_factor"),
        StateField("aims", np.float64, "state", _init_type_field("aims"),
                   "1 for a greedy state: a doctrine's restraint binds only a security seeker", role="aims"),
    ),
    streams=(TYPE,),
    measures=(
        Measure("misjudgement", "system", np.float64, misjudgement, "mean error of beliefs about types, |b − truth|, over living pairs"),
        Measure("suspicion", "system", np.float64, suspicion, "mean belief that a security seeker is greedy"),
        Measure("greedy_states", "system", np.int32, _greedy_count, "living greedy states"),
    ),
    steps=(Step("perceive", update, "update"),),
    summary=_summary,
    module=__name__,
)


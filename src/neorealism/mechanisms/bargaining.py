"""Crisis bargaining: the pure formulas of the rationalist explanations of war.

Every function here is a closed form on NumPy arrays (any shape, broadcast),
with no state and no randomness; :mod:`.conflict` applies them to the K
states that face a crisis in a year.  The derivations are in docs/war.md.

The game (Fearon 1995, the risk–return trade-off of his section on private
information; Powell 1999, ch. 3; Powell 2006 for the commitment problem).
Values are in units of the economy (the numeraire of the war model).

- A *challenger* C may fight a *target* T.  C's gross expected value of
  fighting is ``v`` (the stake it expects to win net of what it expects to
  lose, plus the premium of a declining state, see :func:`decline_premium`);
  its cost of war is ``k``, private to C: T knows only that ``k`` is uniform
  on ``[lo, hi]``.  C's value of war against the status quo is its
  *reservation* ``v − k``.
- T's expected loss from war is ``loss`` (the stake it expects to lose plus
  its own cost of fighting).  War is a lottery over a zero-sum stake, so with
  complete information ``loss − (v − k) = k_C + k_T`` (the two costs, the
  *bargaining surplus*): any transfer in ``[v − k, loss]`` is better than war
  for both (Fearon 1995, the bargaining range).
- T offers a transfer ``x`` (take it or leave it); C accepts iff
  ``x ≥ v − k``.  T chooses ``x`` to minimise its expected loss
  ``x·P(accept) + loss·P(war)``: a larger concession buys a lower risk of
  war — the risk–return trade-off.  C cannot credibly reveal a low cost:
  every type would claim it (the incentive to misrepresent, Fearon 1995).
- Pressing a crisis reveals that C's reservation is positive (``k < v``):
  T's posterior is the prior truncated at ``v``, still uniform (Bayes' rule).

With the uniform prior the optimal offer has the closed form of
:func:`optimal_offer`; the probability that it is refused, and war follows,
is :func:`war_probability`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import fmath

F = NDArray[np.float64]

#: Relative tolerance of the comparisons at the edges (the challenger accepts an offer equal to its
#: reservation; a tie computed two ways must not flip the decision by a rounding error).
TOL = 1e-9


def _tol(*xs: Any) -> F:
    return TOL * sum(np.abs(np.asarray(x, dtype=np.float64)) for x in xs) + 1e-300


def uniform_cdf(y: Any, lo: Any, hi: Any) -> F:
    """P(k < y) for k uniform on ``[lo, hi]``; a point mass at ``lo`` when ``hi == lo``."""
    y, lo, hi = (np.asarray(a, dtype=np.float64) for a in (y, lo, hi))
    w = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = np.clip((y - lo) / np.where(w > 0, w, 1.0), 0.0, 1.0)
    point = (y > lo + _tol(y, lo)).astype(np.float64)
    return np.where(w > 0, inner, point)


def bargaining_range(value: Any, cost: Any, loss: Any) -> tuple[F, F]:
    """The settlements both sides prefer to war under complete information: ``[value − cost, loss]``.

    ``value − cost`` is the least the challenger accepts (its reservation);
    ``loss`` the most the target concedes (its expected loss from war).  With
    a zero-sum stake, ``loss = value − cost + cost_C + cost_T`` and the range
    has width ``cost_C + cost_T > 0``: costly war always leaves a range
    (Fearon 1995).  Empty (low > high) only when something other than
    the stake — a shift of power (:func:`decline_premium`), diverging
    estimates of the odds — pushes the two apart.
    """
    value, cost, loss = (np.asarray(a, dtype=np.float64) for a in (value, cost, loss))
    return value - cost, loss


def optimal_offer(value: Any, lo: Any, hi: Any, loss: Any, cap: Any = np.inf, truncate: bool = True) -> tuple[F, F]:
    """The target's optimal take-it-or-leave-it offer and the probability that it is refused.

    The challenger's cost k is uniform on ``[lo, hi]`` (the target's
    belief); it accepts ``x`` iff ``x ≥ value − k``.  With ``y = value − x``
    (the cost below which the challenger fights) the target minimises
    ``(value − y)·(1 − F(y)) + loss·F(y)``; this is convex in y on
    ``[lo, hi]`` (decreasing below, flat above), and its first-order condition gives

        y* = (hi + value − loss) / 2,     x* = value − clip(y*, lo, hi),
        P(war) = F(value − x*) = clip((y* − lo) / (hi − lo), 0, 1).

    ``y* ≤ lo``: the target buys off every type, ``x* = value − lo``, no war
    (always so with complete information, ``lo = hi``, unless the range is
    empty).  ``y* ≥ hi``: no concession is worth its price, the target offers
    nothing and war is certain.  The offer is then held in ``[0, cap]``
    (the target cannot concede more than it has at stake); a binding cap
    raises the risk of war to ``F(value − cap)``, still the target's best
    reply because its objective is unimodal in y.

    ``truncate``: the target updates on the challenger pressing the crisis —
    only types with ``k < value`` do — so ``hi`` becomes ``min(hi, value)``
    (Bayes' rule on a uniform prior gives a uniform posterior).  When
    ``value ≤ lo`` no type presses: offer 0, no war.

    Returns ``(offer, war_probability)`` (Fearon 1995, the risk–return
    trade-off; Powell 1999, ch. 3; Banks 1990 for the monotone screening
    logic).
    """
    v, lo, hi, L, cap = (np.asarray(a, dtype=np.float64) for a in (value, lo, hi, loss, cap))
    hi_e = np.minimum(hi, v) if truncate else hi
    # a type below v presses; the rounding tolerance only where the costs are known (no spread), so that a
    # tiny spread keeps its types (v − lo may be far below the tolerance and still half the mass)
    pressed = v > lo + np.where(hi > lo, 0.0, _tol(v, lo))
    w = hi_e - lo
    y_star = 0.5 * (hi_e + v - L)
    certain = np.where(w > 0, y_star >= hi_e, y_star > hi_e + _tol(y_star, hi_e))
    y = np.clip(y_star, lo, np.maximum(hi_e, lo))
    # the cut-off type y = value − offer, after the offer is held in [0, cap] (exact at the edges, so
    # a target that buys off every type leaves no rounding-error risk of war)
    y = np.where(certain | (v - y < 0.0), v, np.where(v - y > cap, v - cap, y))
    x = np.where(pressed, v - y, 0.0)
    x = np.clip(x, 0.0, cap)
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = np.clip((y - lo) / np.where(w > 0, w, 1.0), 0.0, 1.0)
    point = (y > lo + _tol(y, lo)).astype(np.float64)
    p = np.where(w > 0, inner, point)
    p = np.where(pressed, p, 0.0)
    return x, p


def war_probability(value: Any, lo: Any, hi: Any, loss: Any, cap: Any = np.inf, truncate: bool = True) -> F:
    """The probability that a crisis ends in war under the optimal offer (:func:`optimal_offer`).

    Without cap or truncation, ``P(war) = clip((hi − S − 2·lo) / (2·(hi − lo)), 0, 1)``
    with ``S = loss − value`` (docs/war.md): zero under complete information
    (``lo = hi``) whenever the bargaining range exists, and rising with the
    spread of the challenger's possible costs while that range exists
    (Fearon 1995: private information, not costs, makes war).
    """
    return optimal_offer(value, lo, hi, loss, cap, truncate)[1]


def accepts(offer: Any, reservation: Any) -> NDArray[np.bool_]:
    """The challenger takes an offer at least worth its reservation (ties settle)."""
    x = np.asarray(offer, dtype=np.float64)
    r = np.asarray(reservation, dtype=np.float64)
    return x >= r - _tol(x, r)


def uniform_costs(mean: Any, spread: Any) -> tuple[F, F]:
    """Support ``[mean·(1 − δ), mean·(1 + δ)]`` of a cost uniform around ``mean`` with relative half-width δ."""
    m = np.asarray(mean, dtype=np.float64)
    d = np.asarray(spread, dtype=np.float64)
    return m * (1.0 - d), m * (1.0 + d)


def decline_premium(p_now: Any, p_future: Any, stakes: Any) -> F:
    """What a declining challenger loses by waiting: ``max(0, p_now − p_future)·stakes``.

    ``stakes = gain + loss`` (what it wins if it wins plus what it loses if
    it loses), so the premium is the fall of its expected war value
    ``p·gain − (1 − p)·loss`` over the horizon.  Added to the challenger's
    gross value: a deal the rising state concludes today is honoured only as
    far as tomorrow's balance supports it, since once stronger it cannot
    commit not to use its power (Fearon 1995, on preventive war; Powell 2006).
    """
    p0 = np.asarray(p_now, dtype=np.float64)
    p1 = np.asarray(p_future, dtype=np.float64)
    return np.maximum(0.0, p0 - p1) * np.asarray(stakes, dtype=np.float64)


def preemption_premium(p_first: Any, p_struck: Any, hostility: Any, stakes: Any) -> F:
    """What a state that fears attack gains by striking first: ``hostility·max(0, p_first − p_struck)·stakes``.

    ``p_first`` its chance of winning the war it starts, ``p_struck`` its
    chance when the rival strikes first, ``hostility`` the chance it gives the
    rival of attacking (its belief that the rival is greedy, times how surely a
    greedy rival strikes), ``stakes = gain + loss``.  With offence dominance
    the first move pays (θ > 1 makes ``p_first > p_struck``): the pre-emptive
    motive of the security dilemma (Jervis 1978; Van Evera 1999, ch. 3, on
    first-move advantages; Fearon 1995).  Under defence dominance there is no
    premium: waiting to be attacked is better.
    """
    d = np.asarray(p_first, dtype=np.float64) - np.asarray(p_struck, dtype=np.float64)
    return np.asarray(hostility, dtype=np.float64) * np.maximum(0.0, d) * np.asarray(stakes, dtype=np.float64)


def preventive_war(premium: Any, cost_challenger: Any, cost_target: Any) -> NDArray[np.bool_]:
    """Powell's (2006) condition under complete information: war iff the shift exceeds the surplus.

    The most the rising target will concede is its expected loss from war,
    ``value + cost_T``; the declining challenger accepts only
    ``value + premium − cost_C``.  No settlement is acceptable to both —
    the commitment problem closes the range — iff
    ``premium > cost_C + cost_T`` (docs/war.md).  (The challenger must also
    prefer war to the eroding status quo, ``value + premium > cost_C``, to
    press a crisis at all.)
    """
    d = np.asarray(premium, dtype=np.float64)
    s = np.asarray(cost_challenger, dtype=np.float64) + np.asarray(cost_target, dtype=np.float64)
    return d > s + _tol(d, s)


def growth_factor(trend: Any, horizon: Any) -> F:
    """How much a state's power grows over ``horizon`` years at its current trend g (the yearly
    log change): ``exp(g·horizon)``, the exponent bounded to ±25 (a factor past e^25 says no more)."""
    g = np.asarray(trend, dtype=np.float64) * np.asarray(horizon, dtype=np.float64)
    return fmath.exp(np.minimum(np.maximum(g, -25.0), 25.0))


def projected_ratio(trend_a: Any, trend_b: Any, horizon: Any) -> F:
    """How much the force ratio A/B changes over ``horizon`` years at the current trends:
    ``exp(g_A·horizon) / exp(g_B·horizon)`` (g = yearly log change of power; Organski & Kugler
    1980's differential growth, Gilpin 1981).  A ratio of the two states' :func:`growth_factor`,
    so a kernel given the factors of every state computes the same number."""
    return growth_factor(trend_a, horizon) / growth_factor(trend_b, horizon)


__all__ = [
    "accepts",
    "bargaining_range",
    "decline_premium",
    "optimal_offer",
    "growth_factor",
    "preemption_premium",
    "preventive_war",
    "projected_ratio",
    "uniform_cdf",
    "uniform_costs",
    "war_probability",
]

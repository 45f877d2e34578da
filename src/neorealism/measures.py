"""Measures of the distribution of power: composite index, great powers, polarity, CON, HHI.

Structural realism reads the system's structure off the distribution of
material capabilities (Waltz 1979, ch. 5).  These functions turn capability
components into the measures the theory talks about, over whole batches of
worlds at once (any leading dimensions), and are used unchanged on real COW
data (``neorealism.data``) so that simulated and real systems are measured
alike.

- Composite index: the CINC form of Singer, Bremer & Stuckey (1972): for
  each component, a state's share of the system total; the index is the mean
  of those shares over the components the state has (COW skips missing
  components rather than counting them as zero).
- Great powers, by one of three rules:

  * ``cow`` (the default): the rule the data layer validated against COW's
    major-power list (:data:`neorealism.data.majors.DEFAULT_RULE`, F1 0.915
    on NMC v6.0, 1816–2016): a score weighting the military component twice
    and the energy (resources) component once, a system-relative
    :func:`concentration_bar` (score ≥ 0.2 × Σs²/Σs) and persistence
    (:func:`hysteresis_step`: enter after 5 consecutive years above the bar,
    leave after 8 below).  See ``docs/great-powers.md`` for how the
    engine's components map onto COW's.
  * ``share``: index share ≥ ``threshold`` of the system.
  * ``relative``: index share ≥ ``relative`` × the leader's share.
- Polarity: 1 great power unipolar, 2 bipolar, 3 or more multipolar, 0
  nonpolar (no state reaches the bar).
- CON: Ray & Singer's (1973) concentration,
  sqrt((Σ s_i² − 1/n) / (1 − 1/n)) over the n great powers' shares of their
  joint capabilities.  When fewer than two states are great powers, it is
  taken over the two largest states, so that CON is always defined (a
  unipolar system then reads as the leader's dominance over the runner-up).
- HHI: Herfindahl–Hirschman index Σ s_i² over all states' index shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: The great-power rules: the data layer's validated rule and the two bare bars.
GP_RULES: tuple[str, ...] = ("cow", "share", "relative")

#: Weights of the engine's five components (military, economy, population, resources, technology)
#: in the ``cow`` rule's score: the data rule's 2 × milex + 1 × pec, mapped as the from-data
#: scenarios map COW's indicators (military ← milex & milper, resources ← pec; docs/great-powers.md).
COW_WEIGHTS: tuple[float, ...] = (2.0, 0.0, 0.0, 1.0, 0.0)
#: The ``cow`` rule's bar and persistence (those of :data:`neorealism.data.majors.DEFAULT_RULE`).
COW_CONCENTRATION, COW_ENTER, COW_EXIT = 0.20, 5, 8

#: Polarity codes and their labels.
NONPOLAR, UNIPOLAR, BIPOLAR, MULTIPOLAR = 0, 1, 2, 3
POLARITY_LABELS: tuple[str, ...] = ("nonpolar", "unipolar", "bipolar", "multipolar")


def component_shares(components: ArrayLike, present: ArrayLike | None = None) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Each component's share of its system total, ``(..., C, N)``, and where that share is usable.

    The CINC machinery shared by :func:`composite_index` and
    :func:`weighted_index`: ``NaN`` (missing) is skipped, absent states
    (``present`` False) count in no total, and a component whose system
    total is 0 carries no information (not usable).
    """
    x = np.asarray(components, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError("components must have shape (..., C, N)")
    if present is not None:
        pres = np.asarray(present, dtype=bool)[..., None, :]
        x = np.where(pres, x, np.nan)
    valid = ~np.isnan(x)
    xz = np.where(valid, x, 0.0)
    totals = xz.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(totals > 0, xz / np.where(totals > 0, totals, 1.0), 0.0)
    return shares, valid & (totals > 0)


def composite_index(components: ArrayLike, present: ArrayLike | None = None, *,
                    shares: tuple[NDArray[np.float64], NDArray[np.bool_]] | None = None) -> NDArray[np.float64]:
    """CINC-style composite index over the last axis (states).

    Parameters
    ----------
    components:
        Array shaped ``(..., C, N)``: C capability components of N states.
        ``NaN`` marks a missing value (COW's −9), which is skipped: the
        state's index is the mean of the shares it has.
    present:
        Optional boolean ``(..., N)``: states that exist (alive / in the
        system).  Absent states get index 0 and count in no total.
    shares:
        Optional ``component_shares(components, present)`` already computed
        (the engine reuses them for the great-power score).

    Returns
    -------
    ``(..., N)`` shares.  With no missing values they sum to 1 over present
    states; with missing values they may not (as in COW's published cinc).
    """
    sh, usable = component_shares(components, present) if shares is None else shares
    n_used = usable.sum(axis=-2)
    summed = np.where(usable, sh, 0.0).sum(axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        index = np.where(n_used > 0, summed / np.maximum(n_used, 1), 0.0)
    if present is not None:
        index = np.where(np.asarray(present, dtype=bool), index, 0.0)
    return index


def weighted_index(
    components: ArrayLike | None, weights: Sequence[float], present: ArrayLike | None = None, *,
    shares: tuple[NDArray[np.float64], NDArray[np.bool_]] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """A weighted composite over the last axis, and where it is defined: ``(..., N)`` each.

    Each component's share of its system total (:func:`component_shares`,
    the CINC machinery of :func:`composite_index`), then the weighted mean
    over the components the state has (missing ``NaN`` skipped; zero-weight
    components ignored).  Equal weights over every component give
    :func:`composite_index`.  ``defined`` is False where no weighted
    component is usable (the state is absent, or every weighted component
    is missing or has a zero system total).  ``shares`` may pass
    ``component_shares(components, present)`` already computed.
    """
    w = np.asarray(weights, dtype=np.float64)
    if shares is None:
        x = np.asarray(components, dtype=np.float64)
        if x.ndim < 2 or x.shape[-2] != w.shape[0]:
            raise ValueError(f"components must have shape (..., {w.shape[0]}, N) for {w.shape[0]} weights")
        keep = np.nonzero(w > 0)[0]
        sh, usable = component_shares(x[..., keep, :], present)
        w = w[keep]
    else:
        sh, usable = shares
        if sh.shape[-2] != w.shape[0]:
            raise ValueError(f"shares must have shape (..., {w.shape[0]}, N) for {w.shape[0]} weights")
    num = np.zeros(sh.shape[:-2] + sh.shape[-1:])
    den = np.zeros_like(num)
    for c in np.nonzero(w > 0)[0]:
        num += np.where(usable[..., c, :], w[c] * sh[..., c, :], 0.0)
        den += w[c] * usable[..., c, :]
    defined = den > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(defined, num / np.where(defined, den, 1.0), 0.0), defined


def concentration_bar(scores: ArrayLike, concentration: float | ArrayLike) -> NDArray[np.bool_]:
    """Score ≥ ``concentration`` × the capability-weighted mean score Σs²/Σs, over the last axis.

    Σs²/Σs is the mean score of the state holding a randomly drawn unit of
    the system's capability; for shares summing to one it is the HHI, the
    inverse of the effective number of powers (Laakso & Taagepera 1979).
    The bar is set by the whole top tier: it moves less than the leader's
    score when one state surges, and hardly at all with the count of small
    states.  Scale-free (the scores need not sum to one).  ``concentration``
    may be an array broadcasting against ``(..., 1)`` (one bar per world).
    """
    s = np.asarray(scores, dtype=np.float64)
    tot = s.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        ref = np.where(tot > 0, (s * s).sum(axis=-1, keepdims=True) / np.where(tot > 0, tot, 1.0), np.inf)
    return (s >= concentration * ref) & (s > 0)


def hysteresis_step(
    raw: ArrayLike,
    present: ArrayLike,
    was_present: ArrayLike,
    status: ArrayLike,
    up: ArrayLike,
    down: ArrayLike,
    k_enter: int | ArrayLike,
    k_exit: int | ArrayLike,
    defined: ArrayLike | None = None,
) -> tuple[NDArray[np.bool_], NDArray[np.int64], NDArray[np.int64]]:
    """One year of persistent great-power status, elementwise over any shape.

    ``up`` / ``down`` count the consecutive years above / below the bar.  A
    state becomes a great power after ``k_enter`` consecutive years above
    the bar and stops being one after ``k_exit`` consecutive years below
    it (status is a standing that outlasts a bad year: Levy 1983).  A state
    present for the first time (``present`` and not ``was_present``) takes
    its raw reading; a year where its score is not ``defined`` leaves its
    counters and status as they were; an absent state holds no status and
    its counters reset.  Returns the new ``(status, up, down)``.  The data
    layer (:func:`hysteresis`, over years) and the engine (one call per
    simulated year, batched over worlds) share this one step.
    """
    r = np.asarray(raw, dtype=bool)
    p = np.asarray(present, dtype=bool)
    d = np.ones_like(r) if defined is None else np.asarray(defined, dtype=bool)
    up = np.where(d, (up + 1) * r, up)
    down = np.where(d, (down + 1) * ~r, down)
    new = p & ~np.asarray(was_present, dtype=bool)
    # after a defined year one counter is 0, so entering and leaving never both apply: the order of
    # "enter after k_enter above" and "leave after k_exit below" does not matter
    st = ((np.asarray(status, dtype=bool) & ~new) | (new & r & d) | (up >= k_enter)) & ~(down >= k_exit) & p
    return st, (up * p).astype(np.int64, copy=False), (down * p).astype(np.int64, copy=False)


def hysteresis(
    raw: ArrayLike,
    present: ArrayLike,
    k_enter: int | ArrayLike,
    k_exit: int | ArrayLike,
    defined: ArrayLike | None = None,
) -> NDArray[np.bool_]:
    """Persistent status from a ``(Y, ...)`` raw reading (years first): :func:`hysteresis_step` year by year.

    Loops over years only (vectorised over the rest).  A state's first
    present year takes its raw reading; absent years reset it; undefined
    years (``defined`` False) leave counters and status unchanged.
    ``k_enter`` / ``k_exit`` may be arrays broadcasting against one year.
    """
    raw = np.asarray(raw, dtype=bool)
    present = np.asarray(present, dtype=bool)
    if defined is None:
        defined = np.ones_like(raw, dtype=bool)
    out = np.zeros_like(raw, dtype=bool)
    shape = raw.shape[1:]
    status = np.zeros(shape, dtype=bool)
    up = np.zeros(shape, dtype=np.int64)
    down = np.zeros(shape, dtype=np.int64)
    was_present = np.zeros(shape, dtype=bool)
    for t in range(raw.shape[0]):
        status, up, down = hysteresis_step(raw[t], present[t], was_present, status, up, down, k_enter, k_exit, defined[t])
        out[t] = status
        was_present = present[t]
    return out


def great_powers(
    shares: ArrayLike,
    rule: Literal["cow", "share", "relative"] | NDArray[np.str_] = "share",
    threshold: float = 0.10,
    relative: float = 0.25,
    concentration: float = COW_CONCENTRATION,
) -> NDArray[np.bool_]:
    """Which states read as great powers this year (no persistence), over the last axis.

    ``share``: share ≥ ``threshold``.  ``relative``: share ≥ ``relative`` ×
    the largest share (Mearsheimer's and Levy's intuition that a great power
    is judged against the strongest state, not the whole system).  ``cow``:
    the raw reading of the validated rule's bar, :func:`concentration_bar`
    on ``shares`` (which should then be the rule's score,
    :func:`weighted_index` with :data:`COW_WEIGHTS`; persistence is applied
    by the caller with :func:`hysteresis_step`).  ``rule`` may be an array of
    rule names broadcasting against ``(..., 1)`` (one rule per world).
    """
    s = np.asarray(shares, dtype=np.float64)
    if isinstance(rule, np.ndarray):  # one rule per row (e.g. per world of a batch): each where it holds
        out = np.zeros(s.shape, dtype=bool)
        for name in GP_RULES:
            if np.any(rule == name):
                out = np.where(rule == name, great_powers(s, name, threshold, relative, concentration), out)
        return out
    if rule == "share":
        return (s >= threshold) & (s > 0)
    if rule == "relative":
        lead = s.max(axis=-1, keepdims=True)
        return (s >= relative * lead) & (s > 0)
    if rule == "cow":
        return concentration_bar(s, concentration)
    raise ValueError(f"rule must be one of {', '.join(map(repr, GP_RULES))}, got {rule!r}")


def polarity(n_great_powers: ArrayLike) -> NDArray[np.int8]:
    """Polarity code from the number of great powers: 0 nonpolar, 1 uni, 2 bi, 3 multi."""
    n = np.asarray(n_great_powers)
    return np.minimum(n, MULTIPOLAR).astype(np.int8)


def polarity_labels(codes: ArrayLike) -> NDArray[np.str_]:
    """Labels for polarity codes."""
    return np.asarray(POLARITY_LABELS)[np.asarray(codes, dtype=np.int64)]


def concentration(shares: ArrayLike, gp: ArrayLike) -> NDArray[np.float64]:
    """Ray & Singer (1973) CON over the great powers (or the top two if fewer than two)."""
    s = np.asarray(shares, dtype=np.float64)
    gp = np.asarray(gp, dtype=bool)
    # rank of each state by share, descending (0 = leader); ties broken by position
    order = np.argsort(-s, axis=-1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(s.shape[-1]), axis=-1)
    sel = gp | (rank < 2)
    n = sel.sum(axis=-1)
    total = np.where(sel, s, 0.0).sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(sel, s / np.where(total > 0, total, 1.0), 0.0)
    ssq = (rel * rel).sum(axis=-1)
    nf = n.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        con = np.sqrt(np.clip((ssq - 1.0 / nf) / (1.0 - 1.0 / nf), 0.0, 1.0))
    return np.where(total[..., 0] > 0, con, np.nan)


def hhi(shares: ArrayLike) -> NDArray[np.float64]:
    """Herfindahl–Hirschman index Σ s² of the shares, renormalised to sum to 1."""
    s = np.asarray(shares, dtype=np.float64)
    tot = s.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(tot > 0, s / np.where(tot > 0, tot, 1.0), 0.0)
    return (r * r).sum(axis=-1)


def system_measures(
    shares: ArrayLike,
    rule: Literal["cow", "share", "relative"] | NDArray[np.str_] = "share",
    threshold: float = 0.10,
    relative: float = 0.25,
    actors: ArrayLike | None = None,
    *,
    components: ArrayLike | None = None,
    cow_bar: float = COW_CONCENTRATION,
    gp: ArrayLike | None = None,
) -> dict[str, NDArray]:
    """All system-level measures at once: great-power mask, count, polarity, CON, HHI.

    ``actors`` (boolean, over the last axis) marks the unitary actors; an
    entry that stands for many states (an aggregated "rest of the world")
    keeps its weight in the shares it was computed with, but is never a
    great power, the leader, or a unit of CON and HHI (nor of the ``cow``
    rule's bar Σs²/Σs).

    Rule ``cow`` reads the capability ``components`` (``(..., 5, N)``, the
    order of :data:`neorealism.state.COMPONENTS`): the score is
    :func:`weighted_index` with :data:`COW_WEIGHTS`, read against
    :func:`concentration_bar` at ``cow_bar``.  One call is one year read on its own — a
    first year, so the raw reading (persistence needs the years before;
    the engine keeps them as counters); without ``components`` it raises
    ValueError rather than read the composite shares in their place.  ``gp`` gives the great-power mask
    directly (e.g. with persistence applied); ``rule`` is then not read.
    """
    s = np.asarray(shares, dtype=np.float64)
    act = None if actors is None else np.asarray(actors, dtype=bool)
    if act is not None:
        s = np.where(act, s, 0.0)
    if gp is None:
        score = s
        if components is None and np.any(np.asarray(rule) == "cow"):
            raise ValueError("rule 'cow' reads the capability components: pass components= (or gp=)")
        if components is not None and np.any(np.asarray(rule) == "cow"):
            score, _ = weighted_index(components, COW_WEIGHTS)
            if act is not None:
                score = np.where(act, score, 0.0)
        names = GP_RULES if isinstance(rule, np.ndarray) else (rule,)
        gp = np.zeros(s.shape, dtype=bool)
        for name in names:
            one = great_powers(score if name == "cow" else s, name, threshold, relative, cow_bar)  # type: ignore[arg-type]
            gp = np.where(rule == name, one, gp) if isinstance(rule, np.ndarray) else one
    gp = np.asarray(gp, dtype=bool)
    n_gp = gp.sum(axis=-1)
    return {
        "gp": gp,
        "n_great_powers": n_gp,
        "polarity": polarity(n_gp),
        "con": concentration(s, gp),
        "hhi": hhi(s),
    }

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
- Great powers: a state whose index share is at least ``threshold`` of the
  system (rule ``share``) or at least ``relative`` × the leader's share
  (rule ``relative``).
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

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Polarity codes and their labels.
NONPOLAR, UNIPOLAR, BIPOLAR, MULTIPOLAR = 0, 1, 2, 3
POLARITY_LABELS: tuple[str, ...] = ("nonpolar", "unipolar", "bipolar", "multipolar")


def composite_index(components: ArrayLike, present: ArrayLike | None = None) -> NDArray[np.float64]:
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

    Returns
    -------
    ``(..., N)`` shares.  With no missing values they sum to 1 over present
    states; with missing values they may not (as in COW's published cinc).
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
    # a component whose system total is 0 carries no information: skip it
    usable = valid & (totals > 0)
    n_used = usable.sum(axis=-2)
    summed = np.where(usable, shares, 0.0).sum(axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        index = np.where(n_used > 0, summed / np.maximum(n_used, 1), 0.0)
    if present is not None:
        index = np.where(np.asarray(present, dtype=bool), index, 0.0)
    return index


def great_powers(
    shares: ArrayLike,
    rule: Literal["share", "relative"] = "share",
    threshold: float = 0.10,
    relative: float = 0.25,
) -> NDArray[np.bool_]:
    """Which states are great powers, over the last axis.

    ``share``: share ≥ ``threshold``.  ``relative``: share ≥ ``relative`` ×
    the largest share (Mearsheimer's and Levy's intuition that a great power
    is judged against the strongest state, not the whole system).
    """
    s = np.asarray(shares, dtype=np.float64)
    if isinstance(rule, np.ndarray):  # one rule per row (e.g. per world of a batch): each where it holds
        by_share = great_powers(s, "share", threshold, relative)
        by_leader = great_powers(s, "relative", threshold, relative)
        return np.where(rule == "share", by_share, by_leader)
    if rule == "share":
        return (s >= threshold) & (s > 0)
    if rule == "relative":
        lead = s.max(axis=-1, keepdims=True)
        return (s >= relative * lead) & (s > 0)
    raise ValueError(f"rule must be 'share' or 'relative', got {rule!r}")


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
    rule: Literal["share", "relative"] = "share",
    threshold: float = 0.10,
    relative: float = 0.25,
    actors: ArrayLike | None = None,
) -> dict[str, NDArray]:
    """All system-level measures at once: great-power mask, count, polarity, CON, HHI.

    ``actors`` (boolean, over the last axis) marks the unitary actors; an
    entry that stands for many states (an aggregated "rest of the world")
    keeps its weight in the shares it was computed with, but is never a
    great power, the leader, or a unit of CON and HHI.
    """
    s = np.asarray(shares, dtype=np.float64)
    if actors is not None:
        s = np.where(np.asarray(actors, dtype=bool), s, 0.0)
    gp = great_powers(s, rule=rule, threshold=threshold, relative=relative)
    n_gp = gp.sum(axis=-1)
    return {
        "gp": gp,
        "n_great_powers": n_gp,
        "polarity": polarity(n_gp),
        "con": concentration(s, gp),
        "hhi": hhi(s),
    }

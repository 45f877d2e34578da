"""War: who starts it, who wins it, what it costs, and who survives it.

Decision (rationalist expected utility; Bueno de Mesquita 1981, Fearon 1995):
each year a state weighs war with probability ``opportunity`` (crises are
rare).  Against each possible target j it estimates

    EU_ij = (1 − ρ)·[p_ij·G_ij − (1 − p_ij)·L − C_ij] − ρ·penalty

in shares of its own economy: p_ij the chance of winning, G_ij the share of
j's economy it would take, L the share it would cede if it lost, C_ij the
expected cost (economic cost and military losses valued at replacement cost
over the expected duration), ρ the authority's enforcement.  It picks the
best target and attacks with probability logistic((EU − threshold)/temperature):
defensive realists (Waltz 1979; Van Evera 1999) need a clear gain, offensive
realists (Mearsheimer 2001) seize smaller opportunities.  Allies are never
targets.

Contest (Hirshleifer 1989; Jervis 1978 for θ):
P(attacker wins) = (θ·A)^m / ((θ·A)^m + B^m), where A is the attacker's
military projected over the distance (loss-of-strength gradient) and B the
defender's military at home.

Resolution: each year of war destroys κ·min(A, B) of each side's military
and a share of each side's economy.  With probability ``decisive_prob`` the
year ends in a decision: the loser cedes a share ``transfer`` of its
economy, population and resources to the winner; a loser whose composite
power is below ``survival_floor`` × the winner's is conquered — absorbed by
the winner, its military destroyed (death is absorbing: survival is what
every state is playing for, Waltz 1979, p. 91).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit

from .. import rng
from ..measures import composite_index
from ..state import EngineParams, WorldState
from . import authority

F = NDArray[np.float64]


def win_probability(attack: F, defence: F, theta: float, m: float) -> F:
    """Contest success function P = (θA)^m / ((θA)^m + B^m) (0.5 when both are 0)."""
    a = theta * np.asarray(attack, dtype=np.float64)
    b = np.asarray(defence, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = b / a
        r = ratio * ratio if m == 2.0 else ratio**m
        p = 1.0 / (1.0 + r)
    p = np.where(a > 0, p, 0.0)
    return np.where((a <= 0) & (b <= 0), 0.5, p)


def scatter_sum(values: F, index: NDArray[np.int64], mask: NDArray[np.bool_]) -> F:
    """out[r, k] = Σ_i values[r, i] over i with mask[r, i] and index[r, i] == k.

    Sums in attacker order within each world, so the result of a world never
    depends on the number of worlds beside it.
    """
    R, N = values.shape
    flat = (np.arange(R)[:, None] * N + np.where(mask, index, 0)).ravel()
    w = np.where(mask, values, 0.0).ravel()
    return np.bincount(flat, weights=w, minlength=R * N).reshape(R, N)


def expected_utility(
    state: WorldState,
    seen_military: F,
    params: EngineParams,
    rows: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None,
) -> F:
    """EU of i attacking each j, in shares of i's own economy.

    With ``rows = (r, i)`` (K deciders) the result is (K, N): one row per
    deciding state; without, the full (R, N, N) matrix.  Both give the same
    numbers (the row form only skips states that face no crisis this year).
    """
    M, E, T = state.military, state.economy, state.technology
    if rows is None:
        R, N = state.shape
        r = np.repeat(np.arange(R), N)
        i = np.tile(np.arange(N), R)
        return expected_utility(state, seen_military, params, (r, i)).reshape(R, N, N)
    r, i = rows
    Ei = E[r, i]
    safeE = np.where(Ei > 0, Ei, 1.0)[:, None]
    A = M[r, i][:, None] * params.decay[i]
    B = seen_military[r, i]
    p = win_probability(A, B, params.theta, params.decisiveness)
    duration = 1.0 / params.decisive_prob
    mil_loss = params.war_cost * np.minimum(A, B)
    Ti = T[r, i]
    replacement = (np.where(Ti > 0, Ti, 1.0) * params.conversion)[:, None] * safeE
    # a state with next to no economy can overflow gain and cost: its EU is then ±inf or NaN,
    # and :func:`decide` never starts a war whose EU is not finite
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        gain = params.transfer * E[r] / safeE
        cost = duration * (params.economic_cost + mil_loss / replacement)
        eu = p * gain - (1.0 - p) * params.transfer - cost
        return (1.0 - params.enforcement) * eu - authority.expected_penalty(params)


def decide(
    state: WorldState, seen_military: F, params: EngineParams, keys: NDArray[np.uint64]
) -> tuple[NDArray[np.bool_], NDArray[np.int64], F]:
    """Which idle states start a war this year, and against whom.

    Returns (attack mask (R, N), target index (R, N), expected utility of the chosen war).
    """
    R, N = state.shape
    t = state.t + 1
    alive = state.alive
    crisis = rng.uniform(keys, t, rng.Stream.WAR_OPPORTUNITY, (N,)) < params.opportunity
    u_go = rng.uniform(keys, t, rng.Stream.WAR_DECISION, (N,))
    attack = np.zeros((R, N), dtype=bool)
    target = np.full((R, N), -1, dtype=np.int64)
    best_eu = np.full((R, N), np.nan)
    r, i = np.nonzero(alive & params.actor[None, :] & (state.war_target < 0) & crisis)
    if len(r) == 0:
        return attack, target, best_eu
    valid = alive[r] & params.actor[None, :] & (np.arange(N)[None, :] != i[:, None]) & ~state.allied[r, i]
    eu = expected_utility(state, seen_military, params, (r, i))
    eu = np.where(valid & ~np.isnan(eu), eu, -np.inf)  # NaN (degenerate economy) is no option, not the argmax
    tgt = np.argmax(eu, axis=-1)
    best = eu[np.arange(len(r)), tgt]
    has = np.isfinite(best)
    thr = np.where(params.offensive[i], params.offensive_threshold, params.threshold)
    with np.errstate(over="ignore"):  # a huge margin saturates the logistic at 0 or 1, as it should
        prob = expit((np.where(has, best, 0.0) - thr) / params.temperature)
    go = has & (u_go[r, i] < prob)
    attack[r[go], i[go]] = True
    target[r[go], i[go]] = tgt[go]
    best_eu[r[go], i[go]] = best[go]
    return attack, target, best_eu


@dataclass(frozen=True)
class WarOutcome:
    """What resolving a year of wars did, indexed by the war's initiator (R, N)."""

    ended: NDArray[np.bool_]
    decided: NDArray[np.bool_]
    attacker_won: NDArray[np.bool_]
    target: NDArray[np.int64]
    start: NDArray[np.int64]
    losses: F  # the war's total military losses (both sides) up to its end
    died: NDArray[np.bool_]  # indexed by state
    absorber: NDArray[np.int64]  # who absorbed each dead state (−1 none)
    death_war: NDArray[np.int64]  # id (start year × N + initiator) of the war each dead state was conquered in (−1 none)
    military_lost: F  # this year's military losses per state
    economy_lost: F  # this year's economic losses per state


def resolve(state: WorldState, params: EngineParams, keys: NDArray[np.uint64]) -> tuple[WorldState, WarOutcome]:
    """Fight one year of every ongoing war; transfers, conquest and deaths."""
    R, N = state.shape
    t = state.t + 1
    rows = np.arange(R)[:, None]
    idx = np.arange(N)[None, :]
    tgt = state.war_target
    j = np.where(tgt >= 0, tgt, 0)
    active = (tgt >= 0) & state.alive & state.alive[rows, j]

    M, E = state.military, state.economy
    A = M * params.decay[idx, j]
    Mj = M[rows, j]
    intensity = np.where(active, params.war_cost * np.minimum(A, Mj), 0.0)
    # military losses: each war costs both sides its intensity; a state in several wars (as
    # initiator and as target) loses the sum, capped at what it has, scaled down proportionally
    def_raw = scatter_sum(intensity, j, active)
    raw = intensity + def_raw
    military_lost = np.minimum(raw, M)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(raw > 0, military_lost / np.where(raw > 0, raw, 1.0), 0.0)
    war_size = intensity * (scale + scale[rows, j])
    in_war = active | (scatter_sum(np.ones((R, N)), j, active) > 0)
    economy_lost = np.where(in_war, params.economic_cost * E, 0.0)
    M1 = M - military_lost
    E1 = E - economy_lost

    # decisions
    p = win_probability(A, Mj, params.theta, params.decisiveness)
    decided = active & (rng.uniform(keys, t, rng.Stream.WAR_DECISIVE, (N,)) < params.decisive_prob)
    att_won = decided & (rng.uniform(keys, t, rng.Stream.WAR_OUTCOME, (N,)) < p)
    winner = np.where(att_won, idx, j)
    loser = np.where(att_won, j, idx)

    # a state losing several wars in one year cedes at most everything
    n_lost = scatter_sum(np.ones((R, N)), loser, decided)
    with np.errstate(divide="ignore"):
        frac = np.where(n_lost > 0, np.minimum(1.0, 1.0 / np.maximum(params.transfer * n_lost, 1e-300)), 1.0)
    share = np.where(decided, params.transfer * frac[rows, loser], 0.0)

    def transfer(x: F) -> F:
        amount = share * x[rows, loser]
        return x - scatter_sum(amount, loser, decided) + scatter_sum(amount, winner, decided)

    E2 = transfer(E1)
    P2 = transfer(state.population)
    S2 = transfer(state.resources)

    # conquest: a decisive loser far weaker than its winner is absorbed
    died = np.zeros((R, N), dtype=bool)
    final = np.full((R, N), -1, dtype=np.int64)
    death_war = np.full((R, N), -1, dtype=np.int64)
    if decided.any():
        comps = np.stack([M1, E2, P2, S2, state.technology], axis=1)
        power = composite_index(comps, state.alive)
        conquers = decided & (power[rows, loser] < params.survival_floor * power[rows, winner])
        w = np.flatnonzero(conquers.any(axis=1))  # only worlds with a conquest this year
        if len(w):
            died[w], final[w], death_war[w] = _conquest(
                conquers[w], loser[w], winner[w], power[w], state.war_start[w] * N + idx
            )

    def absorb(x: F) -> F:
        return np.where(died, 0.0, x + scatter_sum(x, final, died))

    E3, P3, S3 = absorb(E2), absorb(P2), absorb(S2)
    M3 = np.where(died, 0.0, M1)
    military_lost = military_lost + np.where(died, M1, 0.0)  # a conquered state's forces are destroyed
    alive = state.alive & ~died

    # wars end when decided or when a party is gone
    party_gone = (tgt >= 0) & ~(alive & alive[rows, j])
    ended = (tgt >= 0) & (decided | party_gone | ~active)
    losses = state.war_losses + war_size
    new = dataclasses.replace(
        state,
        military=M3,
        economy=E3,
        population=P3,
        resources=S3,
        technology=np.where(died, 0.0, state.technology),
        burden=np.where(died, 0.0, state.burden),
        alive=alive,
        allied=state.allied & alive[:, :, None] & alive[:, None, :],
        war_target=np.where(ended, -1, tgt),
        war_start=np.where(ended, -1, state.war_start),
        war_losses=np.where(ended, 0.0, losses),
    )
    outcome = WarOutcome(
        ended=ended,
        decided=decided,
        attacker_won=att_won,
        target=np.where(tgt >= 0, tgt, -1),
        start=state.war_start,
        losses=losses,
        died=died,
        absorber=final,
        death_war=death_war,
        military_lost=military_lost,
        economy_lost=economy_lost,
    )
    return new, outcome


def _conquest(conquers, loser, winner, power, war_id):
    """Who dies, who absorbs it, and in which war: each conquered state goes to the strongest
    winner that conquered it (its war is the one that winner won against it; the lowest id if
    it won two); chains (A absorbs B while C absorbs A) are followed to a survivor."""
    R, N = power.shape
    rows = np.arange(R)[:, None]
    cand = np.full((R, N, N), -1.0)
    rr = np.broadcast_to(rows, (R, N))
    cand[rr[conquers], loser[conquers], winner[conquers]] = power[rr[conquers], winner[conquers]]
    died = cand.max(axis=-1) >= 0
    absorber = np.where(died, np.argmax(cand, axis=-1), -1)
    # the war: a conquering war whose winner is the direct absorber of its loser
    rc, ic = np.nonzero(conquers)
    lc = loser[rc, ic]
    mine = winner[rc, ic] == absorber[rc, lc]
    death_war = np.full((R, N), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(death_war, (rc[mine], lc[mine]), war_id[rc[mine], ic[mine]])
    death_war = np.where(died, death_war, -1)
    ptr = np.where(died, absorber, np.arange(N)[None, :])
    for _ in range(max(1, int(np.ceil(np.log2(max(N, 2)))) + 1)):
        ptr = np.take_along_axis(ptr, ptr, axis=1)
    return died, np.where(died, ptr, -1), death_war


def start_wars(state: WorldState, attack: NDArray[np.bool_], target: NDArray[np.int64]) -> WorldState:
    """Register new wars (indexed by initiator)."""
    t = state.t + 1
    return dataclasses.replace(
        state,
        war_target=np.where(attack, target, state.war_target),
        war_start=np.where(attack, t, state.war_start),
        war_losses=np.where(attack, 0.0, state.war_losses),
    )

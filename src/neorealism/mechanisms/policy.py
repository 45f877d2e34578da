"""Policies toward each rival: reassure or deter (Jervis 1976, ch. 3); arms races; deterrence crises.

Jervis (1976, ch. 3) sets two models of how to treat a rival side by side.
In the *deterrence model* the rival is aggressive: concessions and
restraint invite exploitation, and peace is kept by matching its arms and
showing resolve.  In the *spiral model* the rival, like oneself, seeks only
security: one's own arms and threats confirm its fears, it arms in turn, and
the two spiral into a race and perhaps a war neither wanted.  Which policy
is right depends on what the rival is, which is hidden (Glaser 1997, 2010:
the choice between competition and cooperation turns on the information
about the adversary's motives).  Each year each state chooses, toward each
rival j (a living unitary actor that is not itself or an ally), one of

``reassure`` (Kydd 2005, costly reassurance): it arms against j's threat at
  weight 1 − ``restraint`` — below matching.  The restraint is the costly
  signal: it leaves the state exposed if j turns out greedy, which is why
  only a security seeker can afford to send it and a greedy type does not
  (Kydd 2005, ch. 7: a greedy state that mimicked would forgo the gains it
  arms for), so arming below what one's threats justify is evidence of
  benign aims for the beliefs mechanism to read.
``deter`` (Jervis 1976; Schelling 1966): it matches j's threat in full
  (weight 1) and signals resolve — a commitment (a tripwire, forces in
  place) that raises the expected cost of attacking it by ``resolve``
  shares of the attacker's economy (Schelling 1966, ch. 2: resolve is made
  credible by making retreat costly for oneself).

The choice is fixed by the scenario (``StateSpec.policy`` "reassure" or
"deter" toward every rival) or, under "auto", follows doctrine and belief:
an offensive-doctrine state deters (Mearsheimer 2001: it trusts no one's
intentions); a greedy state deters (Kydd 2005: greedy types do not pay for
costly signals); a defensive security seeker reassures a rival it believes
greedy with probability below ``reassure_below`` and deters the rest
(Glaser 2010).  Without the beliefs mechanism the rival's type is unknown
(belief 0.5) and no one is greedy.

The policy enters other mechanisms only through two role fields:
``policy_arming`` (role ``arming_weight``: the weight on the threat from j
that i arms against, read by :mod:`.armament`) and ``policy_resolve`` (role
``war_cost``: for i attacking j, ``resolve`` where j deters i, read by
:mod:`.conflict`).

Arms races (Richardson 1960; Wallace 1979).  A pair is racing in a year when
both their burdens rise (each by more than ``race_rise`` of itself: rapid,
not merely positive, growth, as the empirical definitions of an arms race
require; Wallace 1979, Diehl 1983) while each faces a threat from the other
(``threat_from`` > 0 both ways).  ``race_years`` consecutive racing years make
an arms-race episode: an ``arms_race`` event when it reaches k, an
``arms_race_end`` event when it stops.  An arms race between two security
seekers is a *spiral* (Jervis 1976, ch. 3): the security dilemma at work.

Deterrence (Huth & Russett 1984: immediate deterrence).  Each crisis pressed
this year against a target whose policy toward the challenger is ``deter``
is a test of immediate deterrence: a success if the challenger did not go to
war (it settled), a failure if it did.
"""

from __future__ import annotations

import functools
import threading

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from ..kernels import use_kernels
from ..schema import StrictModel
from .base import (
    EventField,
    EventKind,
    Measure,
    Mechanism,
    StateField,
    Step,
    emit,
    field_reader,
    laid_out,
    memo,
    pair,
    per_world_vector,
)

#: Policy codes (the ``policy`` field): none (self, dead, ally, aggregate), reassure, deter.
NONE, REASSURE, DETER = 0, 1, 2
POLICIES = ("none", "reassure", "deter")
#: Codes of StateSpec.policy in the derived ``policy_spec`` (auto: chosen each year).
SPEC_CODES = {"auto": NONE, "reassure": REASSURE, "deter": DETER}
YES_NO = ("no", "yes")
#: The belief a state holds of a rival's type when no beliefs mechanism is registered: unknown.
UNKNOWN_BELIEF = 0.5
_MAX_COUNT = np.iinfo(np.int16).max


class PolicyParams(StrictModel):
    """Policies toward each rival: reassure (Kydd 2005) or deter (Jervis 1976, ch. 3; Schelling 1966); arms races.

    i reassures j: i arms against j's threat at weight 1 − restraint; i deters j: weight 1, and j attacking i pays
    resolve (shares of j's economy) on top of its cost of war.  auto: offensive doctrine or greedy → deter; a
    defensive security seeker reassures j when belief(j greedy) < reassure_below, else deters (Glaser 2010).
    An arms race: both burdens rise by more than race_rise a year for race_years years while each threatens
    the other (Richardson 1960; Wallace 1979); a spiral when both are security seekers.
    """

    enabled: bool = Field(default=True, description="whether states choose policies toward their rivals (off: every "
                          "state matches every threat and signals no resolve; no arms-race or deterrence events)")
    restraint: float = Field(
        default=0.5, ge=0.0, le=1.0,
        description="share by which a state that reassures a rival arms below matching its threat: weight "
        "1 − restraint on that threat (Kydd 2005's costly reassurance; 0 = no restraint)",
    )
    resolve: float = Field(
        default=0.05, ge=0.0, le=1.0,
        description="extra expected cost of war, in shares of the attacker's economy, of attacking a state that "
        "deters it: the resolve it signals (Schelling 1966: commitments, tripwires)",
    )
    reassure_below: float = Field(
        default=0.2, ge=0.0, le=1.0,
        description="policy auto: a defensive security seeker reassures a rival it believes greedy with "
        "probability below this, and deters the others (Glaser 2010); below the prior (beliefs.greedy_share, "
        "0.3), so that reassurance follows trust learned, and a rival nothing is known of is balanced "
        "against in full (Waltz 1979); 0 = always deter",
    )
    race_years: int = Field(
        default=3, ge=1, le=50,
        description="k: consecutive years of both burdens rising, while each threatens the other, that make an "
        "arms race (Wallace 1979; Diehl 1983)",
    )
    race_rise: float = Field(
        default=0.05, ge=0.0, le=1.0,
        description="smallest yearly rise of a burden, as a share of itself, that counts as arming in an arms "
        "race (rapid, not merely positive, growth: Wallace 1979; Diehl 1983); 0 = any rise",
    )


# --------------------------------------------------------------------------- the choice


def _rivals(state, params) -> NDArray[np.bool_]:
    """(R, N, N): j is a rival of i — both living unitary actors, j ≠ i, not allied."""
    present = state.alive & params.actor[None, :]
    rival = present[:, :, None] & present[:, None, :]
    rival &= ~state.allied
    N = present.shape[1]
    rival[:, np.arange(N), np.arange(N)] = False
    return rival


def choose(state, params) -> NDArray[np.int8]:
    """Each state's policy toward each other, (R, N, N) int8 (:data:`NONE`, :data:`REASSURE`, :data:`DETER`).

    Fixed by the scenario (``policy_spec``) or, under auto: offensive doctrine → deter; greedy → deter
    (Kydd 2005); else reassure where belief[r, i, j] < reassure_below (Glaser 2010), deter elsewhere.
    """
    p = params.policy
    R, N = state.shape
    below = pair(p.reassure_below)
    belief = getattr(state, "belief", None)
    if belief is None:  # the rival's type unknown: belief ½
        out = np.empty((R, N, N), dtype=np.int8)
        out[...] = np.where(np.broadcast_to(UNKNOWN_BELIEF < np.asarray(below), (R, 1, 1)), REASSURE, DETER)
    else:  # DETER − [belief < below]: reassure (1) below the threshold, deter (2) at or above it
        out = np.subtract(np.int8(DETER), (belief < below).view(np.int8), dtype=np.int8)
    hard = _hard(state, params)
    if hard.any():  # offensive doctrine or greedy: deter every rival
        out[hard] = DETER
    spec = params.policy_spec
    for code in (REASSURE, DETER):  # fixed by the scenario: toward every rival
        rows = spec == code
        if rows.any():
            out[:, rows, :] = code
    on = _rivals(state, params)
    if isinstance(p.enabled, np.ndarray) or not p.enabled:
        on &= np.asarray(pair(p.enabled), dtype=bool)
    out *= on
    return out


def role_fields(policy, params) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """``policy_arming`` (1 − restraint where i reassures j, else 1), ``policy_resolve`` (for i attacking j:
    ``resolve`` where j deters i, else 0) and the share of rival pairs under reassurance (R,)."""
    p = params.policy
    arming = (policy == REASSURE).astype(np.float64)
    arming *= -np.asarray(pair(p.restraint), dtype=np.float64)
    arming += 1.0
    resolve = np.ascontiguousarray(np.swapaxes(policy == DETER, 1, 2)).astype(np.float64)
    resolve *= pair(p.resolve)
    R = policy.shape[0]
    n = (policy != NONE).reshape(R, -1).view(np.uint8).sum(axis=1, dtype=np.int64)
    k = (policy == REASSURE).reshape(R, -1).view(np.uint8).sum(axis=1, dtype=np.int64)
    return arming, resolve, np.where(n > 0, k / np.maximum(n, 1), 0.0)


def _choose_kernel(state, params):
    """:func:`choose` and :func:`role_fields` by the compiled kernel (:mod:`.policy_kernels`), or None
    without beliefs (the NumPy form then costs little)."""
    belief = getattr(state, "belief", None)
    if belief is None or belief.shape != state.allied.shape:
        return None
    from .policy_kernels import choose_from_state as kernel

    p = params.policy
    R, N = state.shape
    vec = memo(params, "policy.kernel", lambda: (
        per_world_vector(p.reassure_below, R), per_world_vector(p.enabled, R, dtype=np.bool_),
        per_world_vector(p.restraint, R), per_world_vector(p.resolve, R),
        np.ascontiguousarray(params.policy_spec, dtype=np.int8),
        np.ascontiguousarray(params.policy_hard_doctrine, dtype=np.bool_)))
    below, enabled, restraint, resolve, spec, doctrine = vec
    greedy = getattr(state, "greedy", None)  # present and hard (:func:`_hard`) are formed by the kernel
    has_greedy = greedy is not None
    greedy = laid_out(greedy, (R, N), np.bool_) if has_greedy else _NO_STATE
    c = np.ascontiguousarray
    return kernel(c(belief), laid_out(state.alive, (R, N), np.bool_), params.actor, c(state.allied), doctrine, greedy,
                  has_greedy, spec, below, enabled, restraint, resolve)


_NO_STATE = np.zeros((1, 1), dtype=np.bool_)


def assess(keys, state, params):
    """The year's policies (stage ``assess``, before armament reads ``policy_arming`` at ``allocate``)."""
    out = _choose_kernel(state, params) if use_kernels() else None
    if out is not None:
        policy, arming, resolve, share = out
        return state.replace(policy=policy, policy_arming=arming, policy_resolve=resolve, policy_reassuring=share), ()
    policy = choose(state, params)
    arming, resolve, share = role_fields(policy, params)
    return state.replace(policy=policy, policy_arming=arming, policy_resolve=resolve, policy_reassuring=share), ()


def _hard(state, params) -> NDArray[np.bool_]:
    """(R, N): states that deter every rival under auto: a doctrine that seeks relative power, or greedy."""
    R, N = state.shape
    hard = np.zeros((R, N), dtype=bool)
    hard |= np.asarray(params.policy_hard_doctrine, dtype=bool)[None, :]
    greedy = getattr(state, "greedy", None)
    if greedy is not None:
        hard |= np.asarray(greedy, dtype=bool)
    return hard


# --------------------------------------------------------------------------- deterrence crises


def deterrence(keys, state, params):
    """``deterrence`` events: each crisis pressed this year against a target that deters its challenger
    (stage ``mobilize``, after :mod:`.conflict` decided; Huth & Russett 1984).  Success: no war.

    With the kernels, :func:`.policy_kernels.deterrence_events` makes the same lists in one pass."""
    ct = state.crisis_target
    if use_kernels() and ct.dtype == np.int64 and state.policy.dtype == np.int8:
        from .policy_kernels import deterrence_events

        r, i, j, deterred = deterrence_events(ct, state.policy, state.crisis_war)
        if not len(r):
            return state, ()
        return state, (emit("deterrence", r, challenger=i, target=j, deterred=deterred),)
    r, i = np.nonzero(ct >= 0)
    if not len(r):
        return state, ()
    j = ct[r, i]
    d = state.policy[r, j, i] == DETER
    if not d.any():
        return state, ()
    r, i, j = r[d], i[d], j[d]
    return state, (emit("deterrence", r, challenger=i, target=j,
                        deterred=np.where(state.crisis_war[r, i], 0, 1)),)


# --------------------------------------------------------------------------- arms races


def _security(state) -> NDArray[np.bool_] | None:
    """(R, N): the security seekers (None without a beliefs mechanism: no one is greedy)."""
    greedy = getattr(state, "greedy", None)
    return None if greedy is None else ~np.asarray(greedy, dtype=bool)


def _spiral(secure, r, i, j) -> NDArray[np.int64]:
    if secure is None:
        return np.ones(len(r), dtype=np.int64)
    return (secure[r, i] & secure[r, j]).astype(np.int64)


def races(keys, state, params):
    """Count each pair's consecutive years of mutual arming under mutual threat (stage ``measure``);
    ``arms_race`` when a count reaches ``race_years``, ``arms_race_end`` when a race of that length stops.

    A compiled kernel (:func:`_kernels`) gives the same numbers in one pass unless
    :func:`neorealism.kernels.use_kernels` says no."""
    secure = _security(state)
    if use_kernels():  # the counts already int32, the burdens kept for next year computed by the kernel
        new, n_races, n_spirals, start, end, last = _races_kernel(state, params, secure)
    else:
        present = state.alive & params.actor[None, :]
        new, n_races, n_spirals, start, end = count_races(state, params, present, secure)
        n_races, n_spirals = n_races.astype(np.int32), n_spirals.astype(np.int32)
        last = np.where(state.alive, state.burden, 0.0)
    events = []
    rs, is_, js = start
    if len(rs):
        events.append(emit("arms_race", rs, state=is_, partner=js, spiral=_spiral(secure, rs, is_, js)))
    rs, is_, js, length = end
    if len(rs):
        events.append(emit("arms_race_end", rs, state=is_, partner=js, spiral=_spiral(secure, rs, is_, js),
                           race_length=length))
    return state.replace(policy_race=new, policy_burden_last=last, policy_races=n_races, policy_spirals=n_spirals), events


def count_races(state, params, present, secure):
    """The arms-race counter (NumPy reference): the new counts (R, N, N), the races and spirals going on (R,),
    the races that began ``(r, i, j)`` and those that ended ``(r, i, j, length)``, each pair once (i < j)."""
    p = params.policy
    b, last, old = state.burden, state.policy_burden_last, state.policy_race
    rising = present & (b > last * (1.0 + p.race_rise))
    if isinstance(p.enabled, np.ndarray) or not p.enabled:
        rising &= np.asarray(p.enabled, dtype=bool).reshape(-1, 1)
    k = pair(p.race_years)
    if old.max(initial=0) >= _MAX_COUNT:
        old = np.minimum(old, _MAX_COUNT - 1)
    empty = np.zeros(0, dtype=np.int64)
    start = (empty, empty, empty)
    if rising.any():
        cond = state.threat_from > 0
        cond = cond & np.swapaxes(cond, 1, 2)  # each threatens the other
        cond &= rising[:, :, None]
        cond &= rising[:, None, :]
        new = old + np.int16(1)
        new *= cond
        rs, is_, js = np.nonzero(new == k)
        up = is_ < js  # each pair once
        start = (rs[up], is_[up], js[up])
    else:
        new = np.zeros_like(old)
    end = (empty, empty, empty, empty)
    racing = old >= k
    if racing.any():
        rs, is_, js = np.nonzero(racing & (new == 0))
        # each pair once; a race with a state that died ends unannounced (the dead are named in no event)
        keep = (is_ < js) & present[rs, is_] & present[rs, js]
        rs, is_, js = rs[keep], is_[keep], js[keep]
        end = (rs, is_, js, old[rs, is_, js].astype(np.int64))
    ongoing = new >= k
    n_races = np.count_nonzero(ongoing, axis=(1, 2)) // 2
    if secure is None:
        n_spirals = n_races
    else:
        ongoing &= secure[:, :, None]
        ongoing &= secure[:, None, :]
        n_spirals = np.count_nonzero(ongoing, axis=(1, 2)) // 2
    return new, n_races, n_spirals, start, end


def _races_kernel(state, params, secure):
    """:func:`count_races` by the kernel, with the counts of races and spirals as int32 and the burdens
    kept for next year (``np.where(alive, burden, 0)``), as :func:`races` stores them: the same numbers."""
    p = params.policy
    R, N = state.shape
    vec = memo(params, "policy.race_vectors", lambda: tuple(
        per_world_vector(x, R, dtype) for x, dtype in ((p.race_rise, np.float64), (p.race_years, np.int64),
                                                        (p.enabled, np.bool_))))
    has_secure = secure is not None
    sec = np.ascontiguousarray(secure) if has_secure else np.zeros((1, 1), dtype=np.bool_)
    c = np.ascontiguousarray
    new, n_races, n_spirals, ev, counts, last = _kernels()(
        c(state.burden, dtype=np.float64), c(state.policy_burden_last), c(state.alive, dtype=np.bool_),
        params.actor, c(state.threat_from, dtype=np.float64), c(state.policy_race), sec, has_secure, *vec)
    ns, ne = int(counts[0]), int(counts[1])
    start = (ev[0, :ns], ev[1, :ns], ev[2, :ns])
    end = (ev[4, :ne], ev[5, :ne], ev[6, :ne], ev[7, :ne])
    return new, n_races, n_spirals, start, end, last


_KERNEL_LOCK = threading.Lock()


def _kernels():
    """The compiled kernel of :func:`races` (Numba, imported and compiled on first use, once even when
    threads share a batch): the numbers of :func:`count_races` (the NumPy reference) in one pass over
    the pairs i < j."""
    with _KERNEL_LOCK:
        return _compile()


@functools.cache
def _compile():
    import numba

    @numba.njit(cache=True, nogil=True)
    def races_kernel(burden, last, alive, actor, h, old, secure, has_secure, rise, years, enabled):
        R, N = alive.shape
        new = np.zeros((R, N, N), dtype=np.int16)
        n_races = np.zeros(R, dtype=np.int32)
        n_spirals = np.zeros(R, dtype=np.int32)
        kept = np.empty((R, N))  # the burdens of the living, 0 for the dead: next year's ``last``
        present = np.empty((R, N), dtype=np.bool_)
        for r in range(R):
            for i in range(N):
                present[r, i] = alive[r, i] and actor[i]
                kept[r, i] = burden[r, i] if alive[r, i] else 0.0
        cap = R * N * (N - 1) // 2
        ev = np.empty((8, max(cap, 1)), dtype=np.int64)
        ns = 0
        ne = 0
        rising = np.empty(N, dtype=np.bool_)
        for r in range(R):
            f = 1.0 + rise[r]
            for i in range(N):
                rising[i] = present[r, i] and burden[r, i] > last[r, i] * f and enabled[r]
            kk = years[r]
            for i in range(N):
                for j in range(i + 1, N):
                    o = old[r, i, j]
                    if o >= 32767:
                        o = 32766
                    c = 0
                    if rising[i] and rising[j] and h[r, i, j] > 0 and h[r, j, i] > 0:
                        c = o + 1
                    new[r, i, j] = c
                    new[r, j, i] = c
                    if c >= kk:
                        n_races[r] += 1
                        if (not has_secure) or (secure[r, i] and secure[r, j]):
                            n_spirals[r] += 1
                    if c == kk:
                        ev[0, ns] = r
                        ev[1, ns] = i
                        ev[2, ns] = j
                        ns += 1
                    elif c == 0 and o >= kk and present[r, i] and present[r, j]:
                        ev[4, ne] = r
                        ev[5, ne] = i
                        ev[6, ne] = j
                        ev[7, ne] = o
                        ne += 1
        counts = np.array([ns, ne])
        return new, n_races, n_spirals, ev, counts, kept

    return races_kernel


# --------------------------------------------------------------------------- declaration


def _derive(sc, params):
    from .doctrines import get

    # a doctrine that seeks relative power (Mearsheimer 2001) deters every rival: it has nothing to reassure about
    return {"policy_spec": np.array([SPEC_CODES[s.policy] for s in sc.states], dtype=np.int8),
            "policy_hard_doctrine": np.array([get(s.doctrine).classifier.get("aim") == "relative power"
                                              for s in sc.states], dtype=bool)}


def _burden0(ctx):
    b = ctx.per_state("burden", default=np.nan)
    return np.where(np.isnan(b), ctx.params.armament.base_burden, b)


def deterrence_outcomes(rs) -> dict[str, int]:
    """Counts in a result: arms races begun, spirals among them, deterrence successes and failures."""
    c = rs.query(
        "SELECT count(*) FILTER (WHERE event = 'arms_race') AS races, "
        "count(*) FILTER (WHERE event = 'arms_race' AND spiral = 'yes') AS spirals, "
        "count(*) FILTER (WHERE event = 'deterrence' AND deterred = 'yes') AS success, "
        "count(*) FILTER (WHERE event = 'deterrence' AND deterred = 'no') AS failure "
        "FROM events WHERE event IN ('arms_race', 'deterrence')"
    ).iloc[0]
    return {k: int(c[k]) for k in ("races", "spirals", "success", "failure")}


def _summary(rs, s):
    """Run-summary lines: arms races and spirals begun; immediate deterrence successes and failures."""
    from ..formatting import pct

    if rs is None:
        return []
    c = deterrence_outcomes(rs)
    lines = [f"Arms races begun: {c['races']:,} ({c['spirals']:,} spirals between security seekers)"]
    n = c["success"] + c["failure"]
    if n:
        lines.append(f"Crises against a deterring target: {n:,}; deterrence held in {pct(c['success'] / n)}")
    return lines


#: The fields of an arms race's events: its two sides and whether it is a spiral.
_RACE_FIELDS = (
    EventField("state", "state", "one side of the arms race"),
    EventField("partner", "state", "the other side"),
    EventField("spiral", "label", "yes: both are security seekers (Jervis 1976's spiral)", choices=YES_NO),
)


MECHANISM = Mechanism(
    name="policy",
    params=PolicyParams,
    doc=PolicyParams.__doc__ or "",
    sources=("Jervis 1976, ch. 3", "Kydd 2005", "Glaser 1997", "Glaser 2010", "Schelling 1966",
             "Richardson 1960", "Wallace 1979", "Diehl 1983", "Huth & Russett 1984", "Mearsheimer 2001"),
    fields=(
        StateField("policy", np.int8, "pair", lambda c: np.zeros((), dtype=np.int8),
                   "i's policy toward j this year: 0 none (itself, the dead, allies), 1 reassure, 2 deter "
                   "(Jervis 1976, ch. 3)"),
        StateField("policy_arming", np.float64, "pair", lambda c: np.ones(()),
                   "weight on the threat from j that i arms against: 1 − restraint where i reassures j, else 1 "
                   "(Kydd 2005)", role="arming_weight"),
        StateField("policy_resolve", np.float64, "pair", lambda c: np.zeros(()),
                   "extra expected cost of war for i attacking j, in shares of i's economy: the resolve j signals "
                   "where it deters i, else 0 (Schelling 1966)", role="war_cost"),
        StateField("policy_race", np.int16, "pair", lambda c: np.zeros((), dtype=np.int16),
                   "consecutive years in which i's and j's burdens both rose while each threatened the other "
                   "(the arms-race counter; symmetric)"),
        StateField("policy_burden_last", np.float64, "state", _burden0,
                   "the burden at the last measurement (for the arms-race counter)"),
        StateField("policy_races", np.int32, "world", lambda c: 0, "arms races going on at the last measurement"),
        StateField("policy_spirals", np.int32, "world", lambda c: 0,
                   "arms races between two security seekers going on at the last measurement"),
        StateField("policy_reassuring", np.float64, "world", lambda c: 0.0,
                   "share of the rival pairs (i toward j) under reassurance this year"),
    ),
    events=(
        EventKind("arms_race", _RACE_FIELDS,
                  "an arms race began: both burdens rose for race_years years while each threatened the other"),
        EventKind("arms_race_end", (*_RACE_FIELDS, EventField("race_length", "int", "years the race lasted")),
                  "an arms race ended: a burden stopped rising, or the threat between the two receded"),
        EventKind("deterrence", (
            EventField("challenger", "state", "the state that pressed the crisis"),
            EventField("target", "state", "the target, which deters the challenger"),
            EventField("deterred", "label", "yes: the challenger did not go to war (deterrence held); no: it did "
                       "(Huth & Russett 1984)", choices=YES_NO),
        ), "a test of immediate deterrence: a crisis pressed against a target that deters its challenger"),
    ),
    measures=(
        Measure("arms_races", "system", np.int32, field_reader("policy_races"),
                "arms races going on (pairs; Wallace 1979)"),
        Measure("spirals", "system", np.int32, field_reader("policy_spirals"),
                "arms races going on between two security seekers (Jervis 1976's spiral)"),
        Measure("reassuring", "system", np.float64, field_reader("policy_reassuring"),
                "share of rival pairs (i toward j) under reassurance (Kydd 2005)"),
    ),
    steps=(Step("assess", assess, "choose"), Step("mobilize", deterrence, "deterrence"),
           Step("measure", races, "races")),
    derive=_derive,
    summary=_summary,
    module=__name__,
)

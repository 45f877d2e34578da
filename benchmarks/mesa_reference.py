"""An idiomatic, per-agent Mesa 3 implementation of neorealism's default rules (the benchmark's reference).

This is what a competent Mesa user would write from the Mesa documentation
(Kazil, Masad & Crooks 2020, "Utilizing Python for agent-based modeling: the
Mesa framework") and from this repository's model pages (docs/model.md,
docs/war.md, docs/growth.md, docs/alliances.md): one :class:`mesa.Agent` per
state, one :class:`mesa.Model` per world, ``AgentSet.do`` / ``shuffle_do``
for the stages, ``self.random`` for the draws, a :class:`mesa.DataCollector`
for the yearly measures, and plain Python loops over agents and pairs.  It is
*not* a port of the batch engine's vectorised code: it does not share its
arrays, kernels or random streams, so the two agree only in distribution.

The rules of one year (the engine's stage order, docs/model.md):

1. **perceive** — each state sees each other's military and composite power
   with one mean-preserving log-normal error, sd ``perception.capability_noise``
   (Jervis 1976; Blainey 1973).
2. **assess** — the threat i perceives from j,
   h_ij = reach_ij · M̂_ij · 2P̂_ij / (P̂_ij + P_i), 0 from allies (Walt 1987's
   balance of threat; reach_ij = exp(−λ·d_ij), Boulding 1962's loss-of-strength
   gradient).
3. **allocate** — internal balancing: the military sought is the principal
   threat plus ``others_weight`` × the rest, less ``ally_weight`` × the allies'
   forces; the burden that keeps it, bent down by ``futility``, is approached
   at rate ``adjustment`` (Waltz 1979, ch. 8; Olson & Zeckhauser 1966).
4. **ally** — external balancing: a threatened state whose coalition does not
   match its principal threat allies with the state that can bring the most
   forces among those who fear the same threat more than the seeker; a weak
   state may bandwagon; alliances whose shared threat receded dissolve (Walt
   1987; Schweller 1994; Waltz 1979, ch. 6).
5. **decide** — crisis bargaining: a challenger facing a crisis (probability
   ``war.opportunity``) presses the target where pressing pays most, the target
   makes the optimal take-it-or-leave-it offer under one-sided private
   information about the challenger's cost, and the challenger settles or
   fights, with logistic decision noise (Fearon 1995; Powell 2006 for the
   decline premium of a declining state; Hirshleifer 1989's contest success
   function; Bueno de Mesquita 1981; Signorino 1999).  Security seekers bound
   by the defensive doctrine press only to prevent a fall of their odds (Van
   Evera 1999); greedy states are not restrained and value gains more (Glaser
   2010; Kydd 2005).
6. **mobilize** — planned wars begin; the target's allies honour their
   commitment with reliability × (1 − buck_passing × c) (Leeds, Long & Mitchell
   2000; Christensen & Snyder 1990).
7. **resolve** — each war is fought for a year between coalitions: costs
   κ·min(A, B), economic costs, a decision with probability ``decisive_prob``,
   transfers of ``transfer`` to the winners, and conquest of a loser below
   ``survival_floor`` × the winning side's power (Fazal 2007's state death).
8. **grow** — conditional convergence of output per head toward a path set by
   technology, technology diffusion from the frontier, and guns that cost
   butter (Barro 1991; Gerschenkron 1962; Abramovitz 1986; Dunne, Smith &
   Willenbockel 2005); military stock depreciates and is bought with the burden.
9. **measure** — the CINC-style composite index (Singer, Bremer & Stuckey 1972),
   the Herfindahl–Hirschman index of power shares, and each state's trend of
   power (the moving average of its log change, used by the decline premium).

What is simplified against the default engine (documented in
docs/performance.md, "Against an idiomatic Mesa model"):

* **Beliefs and policy, in their default form only.**  Types are drawn as in
  the engine (greedy with probability ``beliefs.greedy_share`` unless the
  scenario fixes them); a greedy state arms ``1 + greed_arming`` times what its
  threats call for, values what war would take at ``1 + greed_value`` and is
  bound by no doctrine's restraint.  Beliefs follow Bayes' rule on the odds
  on last year's arming signal, crises and alliance moves (Kydd 2005; Jervis
  1976, 1978) and enter threat as Walt's intentions factor; policy is the
  ``auto`` rule (a defensive security seeker reassures a rival it believes
  greedy with probability below ``reassure_below`` and arms against it at
  weight 1 − ``restraint``; otherwise it deters, and attacking it costs
  ``resolve`` × the attacker's economy).  Left out: the pre-emption premium
  (zero at the default θ = 1, where striking first is no advantage), the
  arms-race, spiral and deterrence records, per-state policy settings.
* **No nuclear deterrence, cooperation, cognition, domestic factors or
  authority**: none acts in the multipolar scenario by default (no nuclear
  states, acquisition off, the critiques off, ρ = 0), so nothing is lost there.
* **Sequential crises.**  Crises are taken one agent after another in a
  shuffled order (``shuffle_do``), a settlement transferred at once and seen
  by the challengers after it; the engine takes them simultaneously.  The
  alliance stage is simultaneous in both (Mesa's step/advance pattern: every
  choice is made from the alliances at the start of the stage, then applied):
  taken one after another (each state seeing the alliances already made),
  it gave 12.5 wars per world against the engine's 16.6 with beliefs, policy
  and restraint off (200 years).  A state conquered in two wars in one year
  falls to the strongest winning side, and what a conquered winner received
  that year is not passed on.
* **No great-power rule, CON or polarity**; HHI of power shares only.

Usage::

    from neorealism.scenario import load_scenario
    from mesa_reference import run_worlds
    out = run_worlds(load_scenario("multipolar"), worlds=20, years=200, seed=0)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import mesa

#: Cap of a threat ratio for a state with no forces (as the engine's alliances.MAX_RATIO).
MAX_RATIO = 1e12
#: Relative tolerance of ties in the bargaining comparisons (as the engine's bargaining.TOL).
TOL = 1e-9
ATTACKER, DEFENDER = 1, 2
BALANCING, BANDWAGONING = 1, 2


# --------------------------------------------------------------------------- closed forms (docs/war.md)


def win_probability(a: float, b: float, theta: float, m: float) -> float:
    """Hirshleifer's (1989) contest success function (θA)^m / ((θA)^m + B^m); 0.5 when both are 0."""
    a = theta * a
    if a <= 0.0:
        return 0.5 if b <= 0.0 else 0.0
    return 1.0 / (1.0 + (b / a) ** m)


def optimal_offer(v: float, lo: float, hi: float, loss: float, cap: float) -> float:
    """The target's take-it-or-leave-it offer against a challenger whose cost is uniform on [lo, hi],
    after Bayes' rule on its pressing the crisis (only types with cost < v press); Fearon (1995)'s
    risk–return trade-off, the closed form of docs/war.md section 4."""
    hi_e = min(hi, v)
    tol = TOL * (abs(v) + abs(lo)) + 1e-300
    pressed = v > lo + (0.0 if hi > lo else tol)
    if not pressed:
        return 0.0
    w = hi_e - lo
    y_star = 0.5 * (hi_e + v - loss)
    certain = y_star >= hi_e if w > 0 else y_star > hi_e + TOL * (abs(y_star) + abs(hi_e)) + 1e-300
    y = min(max(y_star, lo), max(hi_e, lo))
    if certain or v - y < 0.0:
        y = v
    elif v - y > cap:
        y = v - cap
    return min(max(v - y, 0.0), cap)


def accepts(offer: float, reservation: float) -> bool:
    """The challenger takes an offer at least worth its reservation (ties settle)."""
    return offer >= reservation - (TOL * (abs(offer) + abs(reservation)) + 1e-300)


def growth_factor(trend: float, horizon: float) -> float:
    return math.exp(min(max(trend * horizon, -25.0), 25.0))


def expit(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@dataclass(eq=False)
class War:
    """A war between coalitions, indexed by its initiator (docs/model.md, "Wars between coalitions")."""

    attacker: StateAgent
    target: StateAgent  # the theatre is the original target's territory
    start: int
    sides: dict = field(default_factory=dict)  # agent -> ATTACKER / DEFENDER
    losses: float = 0.0


# --------------------------------------------------------------------------- the agent


class StateAgent(mesa.Agent):
    """One state: five capability components, a burden, a type, alliances and wars."""

    def __init__(self, model: WorldModel, spec: Any, greedy: bool) -> None:
        super().__init__(model)
        g = model.p.growth
        self.name = spec.name
        self.pos_xy = (float(spec.position[0]), float(spec.position[1]))
        self.military = float(spec.military)
        self.economy = float(spec.economy)
        self.population = float(spec.population)
        self.resources = float(spec.resources)
        self.technology = float(spec.technology)
        self.burden = model.p.armament.base_burden if spec.burden is None else float(spec.burden)
        r = self.random
        self.growth = (g.base if spec.growth is None else spec.growth) + g.spread * r.gauss(0.0, 1.0)
        self.pop_trend = (g.population if spec.population_growth is None else spec.population_growth) \
            + g.trend_spread * r.gauss(0.0, 1.0)
        self.tech_trend = (g.technology if spec.technology_growth is None else spec.technology_growth) \
            + g.trend_spread * r.gauss(0.0, 1.0)
        self.res_trend = (g.resources if spec.resources_growth is None else spec.resources_growth) \
            + g.trend_spread * r.gauss(0.0, 1.0)
        # ln κ: output per head per unit of technology on the steady-state path (Abramovitz 1986)
        self.social_capability = math.log(self.economy) - math.log(self.population) - math.log(self.technology)
        self.tech_gap0 = 0.0  # set by the model once every state exists
        self.offensive = spec.doctrine == "offensive"
        self.greedy = greedy
        self.alive = True
        self.allies: dict[StateAgent, int] = {}
        self.leading: War | None = None
        self.power = 0.0
        self.power_trend = 0.0
        self.seen: dict[StateAgent, float] = {}
        self.threats: dict[StateAgent, float] = {}
        self.belief: dict[StateAgent, float] = {}  # b_ij: this state's belief that j is greedy
        self.burden_justified = self.burden
        self.burden_seen = self.burden
        self.allied_seen: set[StateAgent] = set()
        self.crisis_target: StateAgent | None = None

    # -- perception and threat ----------------------------------------------------

    def seen_military(self, other: StateAgent) -> float:
        return other.military * self.seen.get(other, 1.0)

    def seen_power(self, other: StateAgent) -> float:
        return other.power * self.seen.get(other, 1.0)

    def perceive(self) -> None:
        """One log-normal error per observed state, applied to its military and its power (Jervis 1976)."""
        s = self.model.p.perception.capability_noise
        self.seen = {o: math.exp(s * self.random.gauss(0.0, 1.0) - 0.5 * s * s)
                     for o in self.model.agents if o is not self}

    # -- beliefs about aims and the policy they imply (Kydd 2005; Jervis 1976) ---------

    def update_beliefs(self) -> None:
        """Bayes' rule on the odds on what each other state did last year: its arming beyond what its
        threats justified (as far as signal_clarity lets offence be told from defence, Jervis 1978),
        its crises (aggression), its new alliances."""
        b = self.model.p.beliefs
        if not b.enabled:
            return
        lo, hi = 1.0 / (1.0 + math.exp(b.max_logit)), 1.0 / (1.0 + math.exp(-b.max_logit))
        for j in self.model.agents:
            if j is self:
                continue
            if b.known_types:
                self.belief[j] = hi if j.greedy else lo
                continue
            llr = j.arming_evidence()
            if j.crisis_target is not None:
                llr += b.aggression_evidence * (2.0 if j.crisis_target is self else 1.0)
            for k in j.allies:
                if k not in j.allied_seen:
                    if k is self:
                        llr -= b.alliance_evidence
                    elif self.belief.get(k, b.greedy_share) > 0.5:
                        llr += b.alliance_evidence
            x = self.belief.get(j, b.greedy_share) * math.exp(min(max(llr, -50.0), 50.0))
            old = self.belief.get(j, b.greedy_share)
            self.belief[j] = min(max(x / (x + 1.0 - old), lo), hi)

    def arming_evidence(self) -> float:
        """The log-likelihood ratio (greedy against security seeker) of this state's arming last year."""
        b = self.model.p.beliefs
        eps = 0.005
        y = b.signal_clarity * math.log((self.burden + eps) / (self.burden_justified + eps)) \
            + (1.0 - b.signal_clarity) * math.log((self.burden + eps) / (self.burden_seen + eps))
        d = b.signal_clarity * math.log1p(b.greed_arming)
        return d / (b.arming_noise ** 2) * (y - 0.5 * d)

    def remember(self) -> None:
        self.allied_seen = set(self.allies)
        self.burden_seen = self.burden

    def intentions(self, other: StateAgent) -> float:
        """Walt's intentions factor I = max(0, 1 + 2w·(b − prior)) on the threat from ``other``."""
        b = self.model.p.beliefs
        if not b.enabled:
            return 1.0
        return max(0.0, 1.0 + 2.0 * b.intentions_weight * (self.belief.get(other, b.greedy_share) - b.greedy_share))

    def reassures(self, other: StateAgent) -> bool:
        """Policy auto: a defensive security seeker reassures a rival it trusts (Kydd 2005; Glaser 2010)."""
        p = self.model.p.policy
        if not p.enabled or self.greedy or self.offensive:
            return False
        return self.belief.get(other, self.model.p.beliefs.greedy_share) < p.reassure_below

    def pressure(self, other: StateAgent, intentions: bool = True) -> float:
        """h: the forces ``other`` can bring against this state, weighted by its aggregate power and by
        what this state believes of its aims (Walt 1987)."""
        sp = self.seen_power(other)
        tot = sp + self.power
        rel = 2.0 * sp / tot if tot > 0 else 1.0
        h = self.model.reach(other, self) * self.seen_military(other) * rel
        return h * self.intentions(other) if intentions else h

    def assess(self) -> None:
        self.threats = {o: self.pressure(o) for o in self.model.agents if o is not self and o not in self.allies}

    def ratio(self, other: StateAgent, masked: bool = True) -> float:
        """T: the threat from ``other`` over this state's own forces (0 from allies when ``masked``)."""
        h = self.threats.get(other, 0.0) if masked else self.pressure(other, intentions=False)
        if masked and other in self.allies:
            h = 0.0
        if self.military > 0:
            return min(h / self.military, MAX_RATIO)
        return MAX_RATIO if h > 0 else 0.0

    # -- internal balancing ---------------------------------------------------------

    def allocate(self) -> None:
        a = self.model.p.armament
        restraint = self.model.p.policy.restraint
        hs0 = [h for o, h in self.threats.items() if o not in self.allies]
        hs = [h * (1.0 - restraint) if self.reassures(o) else h
              for o, h in self.threats.items() if o not in self.allies]

        def forces(xs):
            top = max(xs, default=0.0)
            return top + a.others_weight * (sum(xs) - top)

        help_ = a.ally_weight * sum(self.model.reach(b, self) * self.seen_military(b) for b in self.allies)
        need = max(0.0, a.sensitivity * forces(hs) - help_)
        need0 = max(0.0, a.sensitivity * forces(hs0) - help_)
        if self.greedy:
            need *= 1.0 + self.model.p.beliefs.greed_arming
        if self.offensive:
            need *= 1.0 + self.model.p.doctrine.offensive_arming
        pay = self.economy * self.technology * a.conversion
        req = a.depreciation * need / pay if pay > 0 else 0.0

        def target(req):
            u = req / max(a.max_burden, 1e-300)
            return max(a.base_burden, req / (1.0 + u ** (1.0 + a.futility)))

        self.burden_justified = target(a.depreciation * need0 / pay if pay > 0 else 0.0)
        self.burden += a.adjustment * (target(req) - self.burden)

    # -- external balancing -----------------------------------------------------------

    def ally(self) -> None:
        m = self.model
        a = m.p.alliances
        if self.random.random() < a.formation:
            self._seek()
        if self.allies and self.random.random() < a.dissolution:
            self._review()

    def _seek(self) -> None:
        m = self.model
        a = m.p.alliances
        rivals = [o for o in m.agents if o is not self and o not in self.allies]
        if not rivals:
            return
        principal = max(rivals, key=lambda o: self.ratio(o))
        Tm = self.ratio(principal)
        home = self.military + sum(self.seen_military(b) * m.reach(b, self) for b in self.allies)
        Tc = Tm * self.military / home if home > 0 else (MAX_RATIO if Tm > 0 else 0.0)
        if not (Tm > 0 and Tm >= a.threshold and Tc >= a.balance):
            return
        candidates = [b for b in m.agents
                      if b is not self and b is not principal and b not in self.allies
                      and b.ratio(principal) >= a.threshold and b.ratio(principal) > b.ratio(self)]
        bandwagon = Tc >= a.overwhelming and self.random.random() < a.bandwagon
        if bandwagon:
            partner = principal
        elif candidates:
            partner = max(candidates, key=lambda b: self.seen_military(b) * m.reach(b, self))
        else:
            return
        if m.enemies(self, partner):
            return
        if bandwagon:  # leave the partners the new patron is not allied to
            for b in [b for b in self.allies if b is not partner and b not in partner.allies]:
                m.to_drop.append((self, b))
        m.to_add.append((self, partner, BANDWAGONING if bandwagon else BALANCING))

    def _review(self) -> None:
        a = self.model.p.alliances
        for b, kind in list(self.allies.items()):
            if kind == BALANCING:
                others = [o for o in self.model.agents if o is not self and o is not b]
                shared = max((min(self.ratio(o), b.ratio(o)) for o in others), default=0.0)
                gone = shared < a.recede * a.threshold
            else:
                gone = max(self.ratio(b, masked=False), b.ratio(self, masked=False)) < a.recede * a.overwhelming
            if gone:
                self.model.to_drop.append((self, b))

    # -- the war decision -----------------------------------------------------------------

    def support_for(self, target: StateAgent) -> float:
        """What this state expects the target's allies to bring to the target's side (docs/alliances.md,
        Deterrence): reliability × (1 − buck_passing × c) × their forces projected to the target."""
        m = self.model
        a = m.p.alliances
        S = sum(self.seen_military(b) * m.reach(b, target) for b in target.allies if b is not self)
        if S <= 0.0:
            return 0.0
        A = self.military * m.reach(self, target)
        c = min(1.0, (self.seen_military(target) + a.reliability * S) / A) if A > 0 else 1.0
        return a.reliability * (1.0 - a.buck_passing * c) * S

    def war_terms(self, A, B, Pi, Pj, target: StateAgent) -> dict[str, float]:
        """The terms of a war of this state (challenger) against ``target`` (docs/war.md section 2)."""
        p_ = self.model.p
        w = p_.war
        conv = p_.armament.conversion
        dur = 1.0 / w.decisive_prob
        Ei, Ej = self.economy, target.economy
        Ti, Tj = self.technology if self.technology > 0 else 1.0, target.technology if target.technology > 0 else 1.0
        p = win_probability(A, B, w.offense_defense, w.decisiveness)
        shift = growth_factor(self.power_trend, w.shift_horizon) / growth_factor(target.power_trend, w.shift_horizon)
        p_future = win_probability(A * shift, B, w.offense_defense, w.decisiveness) if shift != 1.0 else p
        tau, floor = w.transfer, w.survival_floor
        gain = Ej if (1 - tau) * Pj < floor * (Pi + tau * Pj) else tau * Ej
        gain *= self.gain_weight()
        loss = Ei if (1 - tau) * Pi < floor * (Pj + tau * Pi) else tau * Ei
        fought = dur * w.cost * min(A, B)
        private = dur * w.economic_cost * Ei + fought / (Ti * conv)
        return {"p": p, "p_future": p_future, "gain": gain, "loss": loss, "private": private,
                "known": p_.policy.resolve * Ei if p_.policy.enabled and not target.reassures(self) else 0.0,
                "cost_target": dur * w.economic_cost * Ej + fought / (Tj * conv),
                "value": p * gain - (1 - p) * loss, "premium": max(0.0, p - p_future) * (gain + loss)}

    def gain_weight(self) -> float:
        gw = 1.0 + self.model.p.beliefs.greed_value if self.greedy else 1.0
        if self.offensive:
            gw *= 1.0 + self.model.p.doctrine.relative_weight
        return gw

    def restrained(self) -> bool:
        return (not self.offensive) and (not self.greedy) and bool(self.model.p.doctrine.restraint)

    def bargain(self, t: dict[str, float]) -> tuple[float, float, float, float, float]:
        """(v, lo, hi, loss_target, margin) of one view of a crisis (docs/war.md sections 3–4)."""
        w = self.model.p.war
        margin = (w.offensive_threshold if self.offensive else w.threshold) * self.economy
        v = t["value"] + t["premium"]
        d = w.cost_uncertainty
        lo = t["private"] * (1 - d) + t["known"] + margin
        hi = t["private"] * (1 + d) + t["known"] + margin
        return v, lo, hi, t["value"] + t["cost_target"], margin

    def decide(self) -> None:
        """A crisis, if one arises this year: press it where it pays most, then settle or fight (Fearon 1995)."""
        m = self.model
        w = m.p.war
        u_crisis = self.random.random()
        if not self.alive or self.leading is not None or self.economy <= 0 or u_crisis >= w.opportunity:
            return
        u_cost = self.random.random()
        u_go = self.random.random()
        best = None  # (pays, target, reservation, terms)
        for j in m.agents:
            if j is self or j in self.allies:
                continue
            support = self.support_for(j)
            A = self.military * m.reach(self, j)
            B = self.seen_military(j) + support
            t = self.war_terms(A, B, self.power, self.seen_power(j), j)
            if self.restrained() and not (t["p"] - t["p_future"] > w.prevention_drop):
                continue
            v, lo, hi, loss_t, margin = self.bargain(t)
            cost_true = t["private"] * (1 + w.cost_uncertainty * (2 * u_cost - 1)) + t["known"]
            res = v - (cost_true + margin)
            pays = res
            if res > 0:
                pays = max(res, optimal_offer(v, lo, hi, loss_t, w.max_concession * j.economy))
            if best is None or pays > best[0]:
                best = (pays, j, res, support)
        if best is None:
            return
        _, j, res, support = best
        offer = 0.0
        if res > 0:
            self.crisis_target = j  # pressing a crisis is evidence of aims (beliefs, next year)
        if res > 0:  # the target's view: its offer from what it perceives of the challenger
            A = j.seen_military(self) * m.reach(self, j)
            B = j.military + support
            tv = self.war_terms(A, B, j.seen_power(self), j.power, j)
            v, lo, hi, loss_t, _ = self.bargain(tv)
            offer = optimal_offer(v, lo, hi, loss_t, w.max_concession * j.economy)
        gap = res - offer
        scale = w.temperature * (self.economy if self.economy > 0 else 1.0)
        if scale > 0:
            go = u_go < expit(max(min(gap / scale, 700.0), -700.0))
        else:
            go = not accepts(offer, res)
        if go:
            m.planned.append((self, j))
        elif res > 0 and offer > 0:
            m.settle(self, j, offer)

    # -- growth ------------------------------------------------------------------------------

    def grow(self) -> None:
        """Conditional convergence, technology diffusion, guns against butter (docs/growth.md)."""
        p_ = self.model.p
        g, a = p_.growth, p_.armament
        eps = g.sd * self.random.gauss(0.0, 1.0)
        E, P, T = self.economy, self.population, self.technology
        conv = 0.0
        if E > 0 and P > 0 and T > 0:
            trend = (g.base - g.population - g.technology) * self.model.t
            conv = g.convergence * (self.social_capability + trend + math.log(T * P / E))
        factor = max(1.0 + self.growth + conv + eps - g.guns_butter * self.burden, 0.5)
        gap = math.log(self.model.frontier / T) if T > 0 else 0.0
        catch = max(max(gap, 0.0) - (1.0 - g.catch_up) * self.tech_gap0, 0.0)
        tech_factor = max(1.0 + self.tech_trend + g.diffusion * catch, 0.5)
        self.military = (1.0 - a.depreciation) * self.military + self.burden * E * T * a.conversion
        self.economy = max(E * factor, 0.0)
        self.population = max(P * (1.0 + self.pop_trend), 0.0)
        self.technology = max(T * tech_factor, 0.0)
        self.resources = max(self.resources * (1.0 + self.res_trend), 0.0)


# --------------------------------------------------------------------------- the model: one world


COMPONENTS = ("military", "economy", "population", "resources", "technology")


def composite_shares(agents) -> dict:
    """The CINC-style composite index: each state's mean share of the five components (Singer, Bremer &
    Stuckey 1972), over the given (living) states."""
    totals = {c: sum(getattr(s, c) for s in agents) for c in COMPONENTS}
    used = [c for c in COMPONENTS if totals[c] > 0]
    return {s: (sum(getattr(s, c) / totals[c] for c in used) / len(used) if used else 0.0) for s in agents}


def hhi_of(agents) -> float:
    shares = [s.power for s in agents]
    tot = sum(shares)
    return sum((x / tot) ** 2 for x in shares) if tot > 0 else 0.0


class WorldModel(mesa.Model):
    """One world of the multipolar (or any) scenario, stepped a year at a time."""

    def __init__(self, scenario: Any, seed: int | None = None) -> None:
        super().__init__(seed=seed)
        self.scenario = scenario
        self.p = scenario.params
        self.t = 0
        self.wars: list[War] = []
        self.planned: list[tuple[StateAgent, StateAgent]] = []
        self.n_war_starts = 0
        self.dead: list[StateAgent] = []
        self._reach: dict[tuple[int, int], float] = {}
        lam = self.p.geography.decay
        water = self.p.geography.water
        share = self.p.beliefs.greedy_share if self.p.beliefs.enabled else 0.0
        for spec in scenario.states:
            if spec.aggregate:
                raise ValueError("the Mesa reference models unitary states only (no aggregate)")
            if spec.type is not None:
                greedy = spec.type == "greedy"
            else:
                greedy = self.random.random() < share
            StateAgent(self, spec, greedy)
        self.initial = list(self.agents)
        for a in self.initial:  # the loss-of-strength gradient between every pair (Boulding 1962)
            for b in self.initial:
                d = math.dist(a.pos_xy, b.pos_xy)
                spec_a = next(s for s in scenario.states if s.name == a.name)
                spec_b = next(s for s in scenario.states if s.name == b.name)
                lam_ab = lam * (water if spec_a.landmass != spec_b.landmass else 1.0)
                self._reach[a.unique_id, b.unique_id] = 1.0 if a is b else math.exp(-lam_ab * d)
        top = max(s.technology for s in self.agents)
        for s in self.agents:
            s.tech_gap0 = max(math.log(top / s.technology), 0.0)
        names = {s.name: s for s in self.agents}
        for x, y in scenario.alliances:
            self.make_alliance(names[x], names[y], BALANCING)
        self.measure(first=True)
        self.datacollector = mesa.DataCollector(
            model_reporters={"alive": lambda mdl: len(mdl.agents), "hhi": "hhi",
                             "wars_started": "n_war_starts"})

    # -- helpers ------------------------------------------------------------------------

    def reach(self, a: StateAgent, b: StateAgent) -> float:
        return self._reach[a.unique_id, b.unique_id]

    def enemies(self, a: StateAgent, b: StateAgent) -> bool:
        return any(a in w.sides and b in w.sides and w.sides[a] != w.sides[b] for w in self.wars)

    def make_alliance(self, a: StateAgent, b: StateAgent, kind: int) -> None:
        a.allies[b] = kind
        b.allies[a] = kind

    def break_alliance(self, a: StateAgent, b: StateAgent) -> None:
        a.allies.pop(b, None)
        b.allies.pop(a, None)

    def apply_alliances(self) -> None:
        """The ally stage is simultaneous (Mesa's step/advance pattern): every state chose from the
        alliances at the start of the stage; the leavings apply first, then the new alliances (a pair
        chosen by both once, bandwagoning first)."""
        for a, b in self.to_drop:
            self.break_alliance(a, b)
        chosen: dict[frozenset, int] = {}
        for a, b, kind in self.to_add:
            key = frozenset((a, b))
            chosen[key] = max(kind, chosen.get(key, 0))
        for key, kind in chosen.items():
            a, b = tuple(key)
            self.make_alliance(a, b, kind)
        self.to_drop, self.to_add = [], []

    def settle(self, challenger: StateAgent, target: StateAgent, offer: float) -> None:
        """A settlement: the target cedes offer / E_j of its economy, population and resources at once
        (at most ``max_concession`` of them in one year's settlements)."""
        share = offer / target.economy if target.economy > 0 else 0.0
        room = self.p.war.max_concession - self.conceded.get(target, 0.0)
        share = max(0.0, min(share, room))
        self.conceded[target] = self.conceded.get(target, 0.0) + share
        for c in ("economy", "population", "resources"):
            amount = share * getattr(target, c)
            setattr(target, c, max(getattr(target, c) - amount, 0.0))
            setattr(challenger, c, getattr(challenger, c) + amount)

    # -- stages --------------------------------------------------------------------------

    def mobilize(self) -> None:
        """Planned wars begin; the target's allies honour their commitments or not (docs/alliances.md)."""
        a = self.p.alliances
        for att, tgt in self.planned:
            if not (att.alive and tgt.alive) or att.leading is not None:
                continue
            war = War(att, tgt, self.t, {att: ATTACKER, tgt: DEFENDER})
            self.wars.append(war)
            att.leading = war
            self.n_war_starts += 1
            defenders = [b for b in tgt.allies if b not in war.sides]
            for ally in defenders:
                A = ally.seen_military(att) * self.reach(att, tgt)
                rest = sum(ally.seen_military(b) * self.reach(b, tgt) for b in defenders if b is not ally)
                D = ally.seen_military(tgt) + a.reliability * rest
                c = min(1.0, D / A) if A > 0 else 1.0
                if self.random.random() < a.reliability * (1.0 - a.buck_passing * c):
                    war.sides[ally] = DEFENDER
                    if att in ally.allies:  # a defensive pledge binds when the partner is attacked
                        self.break_alliance(ally, att)
        self.planned = []

    def resolve(self) -> None:
        """One year of every war: losses, costs, decisions, transfers and conquest (docs/model.md)."""
        w_ = self.p.war
        active = [w for w in self.wars
                  if any(s.alive for s, x in w.sides.items() if x == ATTACKER)
                  and any(s.alive for s, x in w.sides.items() if x == DEFENDER)]
        n_in: dict[StateAgent, int] = {}
        for w in active:
            for s in w.sides:
                if s.alive:
                    n_in[s] = n_in.get(s, 0) + 1
        forces: dict[War, dict[StateAgent, float]] = {}
        raw: dict[StateAgent, float] = {}
        contrib_loss: dict[War, dict[StateAgent, float]] = {}
        for w in active:
            f = {s: s.military / n_in[s] * self.reach(s, w.target) for s in w.sides if s.alive}
            forces[w] = f
            side_tot = {ATTACKER: 0.0, DEFENDER: 0.0}
            side_n = {ATTACKER: 0, DEFENDER: 0}
            for s, x in f.items():
                side_tot[w.sides[s]] += x
                side_n[w.sides[s]] += 1
            intensity = w_.cost * min(side_tot[ATTACKER], side_tot[DEFENDER])
            cl = {}
            for s, x in f.items():
                k = w.sides[s]
                share = x / side_tot[k] if side_tot[k] > 0 else 1.0 / side_n[k]
                cl[s] = intensity * share
                raw[s] = raw.get(s, 0.0) + cl[s]
            contrib_loss[w] = cl
        scale = {s: (min(r, s.military) / r if r > 0 else 0.0) for s, r in raw.items()}
        for w in active:
            w.losses += sum(x * scale[s] for s, x in contrib_loss[w].items())
        for s, r in raw.items():
            s.military -= min(r, s.military)
        for s in n_in:
            s.economy -= w_.economic_cost * s.economy
        # decisions
        results = []
        n_lost: dict[StateAgent, int] = {}
        for w in active:
            f = forces[w]
            A = sum(x for s, x in f.items() if w.sides[s] == ATTACKER)
            B = sum(x for s, x in f.items() if w.sides[s] == DEFENDER)
            if self.random.random() < w_.decisive_prob:
                won = ATTACKER if self.random.random() < win_probability(A, B, w_.offense_defense,
                                                                         w_.decisiveness) else DEFENDER
                winners = [s for s in f if w.sides[s] == won]
                losers = [s for s in f if w.sides[s] != won]
                for s in losers:
                    n_lost[s] = n_lost.get(s, 0) + 1
                results.append((w, winners, losers))
        # transfers, from this year's amounts after the fighting (simultaneous in all wars)
        snap = {s: {c: getattr(s, c) for c in ("economy", "population", "resources")} for s in n_in}
        delta: dict[StateAgent, dict[str, float]] = {s: dict.fromkeys(snap[s], 0.0) for s in n_in}
        wshares = {}
        for w, winners, losers in results:
            wf = {s: forces[w][s] for s in winners}
            tot = sum(wf.values())
            wshares[w] = {s: (x / tot if tot > 0 else 1.0 / len(winners)) for s, x in wf.items()}
            for s in losers:
                ceded = w_.transfer * min(1.0, 1.0 / max(w_.transfer * n_lost[s], 1e-300))
                for c in delta[s]:
                    amount = ceded * snap[s][c]
                    delta[s][c] -= amount
                    for v, sh in wshares[w].items():
                        delta[v][c] += amount * sh
        for s, d in delta.items():
            for c, x in d.items():
                setattr(s, c, max(snap[s][c] + x, 0.0) if x < 0 else snap[s][c] + x)
        # conquest: a decisive loser far weaker than the winning side is absorbed (Fazal 2007)
        if results:
            power = composite_shares([s for s in self.agents])
            fall: dict[StateAgent, tuple[float, War]] = {}
            for w, winners, losers in results:
                wpow = sum(power[s] for s in winners)
                for s in losers:
                    if power[s] < w_.survival_floor * wpow and (s not in fall or wpow > fall[s][0]):
                        fall[s] = (wpow, w)
            for s, (_, w) in fall.items():
                for c in ("economy", "population", "resources"):
                    amount = getattr(s, c)
                    for v, sh in wshares[w].items():
                        if v not in fall:
                            setattr(v, c, getattr(v, c) + amount * sh)
                    setattr(s, c, 0.0)
            for s in fall:
                self.kill(s)
        decided = {w for w, _, _ in results}
        for w in list(self.wars):
            live_a = any(s.alive for s, x in w.sides.items() if x == ATTACKER)
            live_b = any(s.alive for s, x in w.sides.items() if x == DEFENDER)
            if w in decided or w not in active or not (live_a and live_b):
                self.wars.remove(w)
                if w.attacker.leading is w:
                    w.attacker.leading = None

    def kill(self, s: StateAgent) -> None:
        s.alive = False
        s.military = s.technology = s.burden = 0.0
        for b in list(s.allies):
            self.break_alliance(s, b)
        s.leading = None
        self.dead.append(s)
        s.remove()  # Mesa: the agent leaves the model's AgentSet

    def measure(self, first: bool = False) -> None:
        """Composite power, HHI, and the trend of power (docs/war.md section 3)."""
        shares = composite_shares(list(self.agents))
        alpha = self.p.war.trend_memory
        for s, x in shares.items():
            if not first and s.power > 0 and x > 0:
                s.power_trend = (1 - alpha) * s.power_trend + alpha * math.log(x / s.power)
            s.power = x
        self.hhi = hhi_of(self.agents)

    def step(self) -> None:
        self.t += 1
        self.conceded: dict[StateAgent, float] = {}
        self.agents.do("update_beliefs")
        self.agents.do("remember")
        self.agents.do("perceive")
        self.agents.do("assess")
        self.agents.do("allocate")
        self.to_drop, self.to_add = [], []
        self.agents.shuffle_do("ally")
        for s in self.agents:
            s.crisis_target = None
        self.apply_alliances()
        self.agents.shuffle_do("decide")
        self.mobilize()
        self.resolve()
        self.frontier = max((s.technology for s in self.agents if s.technology > 0), default=1.0)
        self.agents.do("grow")
        self.measure()
        self.datacollector.collect(self)


# --------------------------------------------------------------------------- many worlds, one after another


def run_world(scenario: Any, years: int, seed: int) -> dict[str, float]:
    """One world: its war onsets, the share of its initial states alive at the end, its final HHI."""
    model = WorldModel(scenario, seed=seed)
    for _ in range(years):
        model.step()
    n0 = len(model.initial)
    return {"wars": float(model.n_war_starts), "survival": len(model.agents) / n0, "hhi": model.hhi}


def run_worlds(scenario: Any, worlds: int, years: int, seed: int = 0) -> list[dict[str, float]]:
    """R worlds run one after another, world r seeded with ``seed * 1_000_003 + r``."""
    return [run_world(scenario, years, seed * 1_000_003 + r) for r in range(worlds)]


__all__ = ["StateAgent", "War", "WorldModel", "run_world", "run_worlds", "optimal_offer", "win_probability"]

"""Wars between coalitions: joining a side, splitting forces, sharing costs and spoils.

The rules (docs/model.md#wars-between-coalitions): a war has two sides; a
state can join one after the war starts; a state in several wars splits its
forces equally among them; each side's losses and the winners' spoils are
shared by contribution (forces projected to the theatre).
"""

import numpy as np
import pytest

from neorealism import engine, rng
from neorealism.mechanisms import conflict
from neorealism.mechanisms.conflict import ATTACKER, DEFENDER
from neorealism.scenario import validate_scenario
from neorealism.state import EngineParams, init_state


def three(military=(10.0, 6.0, 6.0), **war):
    """A attacks B; C stands by B's side when it joins.  All on one spot (no loss of strength)."""
    states = [
        {"name": n, "military": m, "economy": 10.0, "population": 10.0, "resources": 10.0,
         "technology": 1.0, "position": [0.0, 0.0]}
        for n, m in zip("ABC", military, strict=True)
    ]
    return validate_scenario({"name": "three", "states": states, "params": {"war": {"decisive_prob": 1.0, **war}}})


def started(sc, worlds, join_c=None):
    p = EngineParams.from_scenario(sc, worlds)
    keys = rng.world_keys(1, np.arange(worlds))
    s = init_state(sc, p, keys)
    plan = np.full(s.shape, -1)
    plan[:, 0] = 1  # A attacks B
    s, ev = conflict.start_and_fight(keys, s.replace(war_plan=plan), p)  # the war starts (and is fought a first year)
    return p, keys, s, ev


def fight(sc, worlds, c_joins: bool, seed=1):
    """One decisive year of A against B (and C, when it joins at once)."""
    p = EngineParams.from_scenario(sc, worlds)
    keys = rng.world_keys(seed, np.arange(worlds))
    s = init_state(sc, p, keys)
    R = worlds
    tgt = np.full((R, 3), -1)
    tgt[:, 0] = 1
    side = np.zeros((R, 3, 3), dtype=np.int8)
    side[:, 0, 0], side[:, 0, 1] = ATTACKER, DEFENDER
    s = s.replace(war_target=tgt, war_start=np.where(tgt >= 0, 0, -1), war_side=side)
    join_ev = ()
    if c_joins:
        s, join_ev = conflict.join(s, np.arange(R), np.zeros(R, int), np.full(R, 2), np.full(R, DEFENDER))
    s2, ev = conflict.start_and_fight(keys, s, p)
    return s, s2, [*join_ev, *ev]


def test_a_state_joins_a_side_after_the_war_started():
    s, _, ev = fight(three(), 5, c_joins=True)
    assert (s.war_side[:, 0, 2] == DEFENDER).all()
    joins = [e for e in ev if e.kind == "war_join"][0]
    assert len(joins.r) == 5 and (joins.values["state"] == 2).all() and (joins.values["side"] == DEFENDER).all()
    # joining a war that is not being fought does nothing
    s_none, _ = conflict.join(s, [0], [1], [2], [ATTACKER])
    np.testing.assert_array_equal(s_none.war_side, s.war_side)


def test_an_ally_joining_the_defender_turns_the_odds():
    # A (10) beats B (6) alone more often than not; against B + C (12) it loses more often than not
    # (the contest function gives 0.74 and 0.41).  4000 worlds: each rate has a standard error
    # below 0.008, so the margins below are over 10 of them.
    sc = three()
    _, alone, ev_a = fight(sc, 4000, c_joins=False)
    _, coal, ev_c = fight(sc, 4000, c_joins=True)
    win = lambda ev: np.mean([e for e in ev if e.kind == "war_end"][0].values["winner"] == 0)  # noqa: E731
    assert win(ev_a) > 0.65 and win(ev_c) < 0.48
    assert win(ev_a) - win(ev_c) > 0.25


def test_losses_and_spoils_are_shared_by_contribution():
    # B and C win together; C brings twice B's force, so it bears twice B's losses and takes twice B's spoils
    sc = three(military=(4.0, 3.0, 6.0), economic_cost=0.0, survival_floor=0.0)
    before, after, ev = fight(sc, 2000, c_joins=True)
    end = [e for e in ev if e.kind == "war_end"][0]
    won = end.values["winner"] == 1  # the defending side (led by B) won
    assert won.sum() > 1000
    r = end.r[won]
    lost_b = before.military[r, 1] - after.military[r, 1]
    lost_c = before.military[r, 2] - after.military[r, 2]
    np.testing.assert_allclose(lost_c, 2 * lost_b, rtol=1e-12)
    gain_b = after.economy[r, 1] - before.economy[r, 1]
    gain_c = after.economy[r, 2] - before.economy[r, 2]
    np.testing.assert_allclose(gain_c, 2 * gain_b, rtol=1e-12)
    # what the loser ceded is exactly what the winners gained
    np.testing.assert_allclose(before.economy[r, 0] - after.economy[r, 0], gain_b + gain_c, rtol=1e-12)


def test_a_conquered_state_is_shared_by_the_winners():
    sc = three(military=(1.0, 3.0, 6.0), survival_floor=0.95, transfer=0.5)
    before, after, ev = fight(sc, 500, c_joins=True)
    dead = ~after.alive[:, 0]
    assert dead.sum() > 300  # the coalition usually conquers A
    deaths = [e for e in ev if e.kind == "death"][0]
    of_a = deaths.values["state"] == 0
    assert of_a.sum() == dead.sum() and (deaths.values["absorbed_by"][of_a] == 2).all()  # the larger contributor is named
    r = np.flatnonzero(dead)
    for x in ("population", "resources"):
        b = getattr(before, x)[r]
        a = getattr(after, x)[r]
        np.testing.assert_allclose(a.sum(axis=1), b.sum(axis=1), rtol=1e-12)
        # C brought twice B's force: it took twice B's part of A (transfer and absorption alike)
        np.testing.assert_allclose(a[:, 2] - b[:, 2], 2 * (a[:, 1] - b[:, 1]), rtol=1e-12)
    assert not after.war_side[r][:, :, 0].any()


def test_a_state_in_two_wars_splits_its_forces():
    # X (10) fights Y (6) and Z (6) at once: with 5 against each it loses both more often than not,
    # while against Y alone it wins more often than not.  4000 worlds per arm (se < 0.008).
    states = [
        {"name": n, "military": m, "economy": 10.0, "population": 10.0, "resources": 10.0, "technology": 1.0,
         "position": [0.0, 0.0]} for n, m in (("X", 10.0), ("Y", 6.0), ("Z", 6.0))
    ]
    sc = validate_scenario({"name": "two-fronts", "states": states, "params": {"war": {"decisive_prob": 1.0}}})
    R = 4000
    p = EngineParams.from_scenario(sc, R)
    keys = rng.world_keys(2, np.arange(R))

    def run(two_fronts):
        s = init_state(sc, p, keys)
        plan = np.full((R, 3), -1)
        plan[:, 0] = 1  # X attacks Y
        if two_fronts:
            plan[:, 2] = 0  # Z attacks X
        _, ev = conflict.start_and_fight(keys, s.replace(war_plan=plan), p)
        end = [e for e in ev if e.kind == "war_end"][0]
        xy = end.values["attacker"] == 0
        return np.mean(end.values["winner"][xy] == 0)

    one, two = run(False), run(True)
    assert one > 0.6 and two < 0.5 and one - two > 0.15


def test_wars_are_fought_by_coalitions_in_the_engine_too():
    # the engine's own runs keep the coalition bookkeeping consistent (sides led by initiator and target);
    # fog and private costs make the crises of this small world end in war often enough to check
    d = three(opportunity=0.5, cost_uncertainty=1.0).model_dump()
    d["params"]["perception"]["capability_noise"] = 0.4
    sc = validate_scenario(d)
    traj = engine.run_batch(sc, np.arange(50), 30, seed=3)
    assert traj.system_vars["wars_started"].sum() > 0
    side = traj.final.war_side
    tgt = traj.final.war_target
    r, w = np.nonzero(tgt >= 0)
    assert (side[r, w, w] == ATTACKER).all() and (side[r, w, tgt[r, w]] == DEFENDER).all()


@pytest.mark.parametrize("bad_side", [0, 3])
def test_joining_no_side_is_ignored(bad_side):
    s, _, _ = fight(three(), 3, c_joins=False)
    s2, ev = conflict.join(s, [0], [0], [2], [bad_side])
    np.testing.assert_array_equal(s2.war_side, s.war_side)
    assert len(ev[0].r) == 0

"""The mechanism contract: one base test class that every mechanism's tests inherit.

As Axelrod's ``TestPlayer`` carries the invariants every strategy must
keep, :class:`MechanismContract` carries what every mechanism of the
registry must keep, whatever it models:

- it declares itself completely (a frozen parameter model whose fields all
  have defaults, ranges where numeric, and descriptions; documented fields,
  events and measures; its sources);
- purity: its steps never modify their input (the input arrays are made
  read-only, so a write raises) and return fields of the declared shape;
- the dead stay dead and inert: no step revives a state, gives a dead state
  capabilities, or names it as an actor in an event;
- batch independence: a world's step result is the same alone as in its batch;
- outputs stay finite for a run at the extremes of every parameter's
  allowed range;
- conservation of the fields it claims to conserve (``Mechanism.conserves``).

A subclass sets ``mechanism`` (and, if the default scenario does not
exercise it, ``overrides`` that switch it on).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import pytest

from neorealism import engine, rng
from neorealism.mechanisms.base import Mechanism
from neorealism.mechanisms.registry import current
from neorealism.scenario import validate_scenario
from neorealism.state import EngineParams, init_state
from neorealism.synthetic import synthetic_scenario

CAPABILITIES = ("military", "economy", "population", "resources", "technology", "burden")

#: A violent system: many wars and deaths, so every path of every step is exercised.
VIOLENT = {
    "war": {"opportunity": 0.8, "offense_defense": 2.5, "survival_floor": 0.6, "transfer": 0.5},
    "authority": {"enforcement": 0.3},
    "perception": {"capability_noise": 0.3},
}


def _scenario(params: dict[str, Any]):
    return synthetic_scenario(10, seed=4, params=params)


def _bounds(field) -> tuple[float | None, bool, float | None, bool]:
    lo = hi = None
    lo_incl = hi_incl = True
    for m in field.metadata:
        for attr, incl in (("ge", True), ("gt", False)):
            if getattr(m, attr, None) is not None:
                lo, lo_incl = float(getattr(m, attr)), incl
        for attr, incl in (("le", True), ("lt", False)):
            if getattr(m, attr, None) is not None:
                hi, hi_incl = float(getattr(m, attr)), incl
    return lo, lo_incl, hi, hi_incl


def extremes(model) -> list[tuple[str, float]]:
    """Every numeric parameter at each end of its allowed range (an open end approached closely)."""
    out = []
    for name, f in model.model_fields.items():
        if f.annotation not in (float, int):
            continue
        lo, lo_incl, hi, hi_incl = _bounds(f)
        for v, incl, sign in ((lo, lo_incl, 1), (hi, hi_incl, -1)):
            if v is None:
                continue
            if not incl:
                v = v + sign * max(1e-6, abs(v) * 1e-6)
            out.append((name, int(v) if f.annotation is int else v))
    return out


def _world_events(events, w: int) -> dict[str, list[tuple]]:
    """The events of world row ``w`` by kind, as comparable tuples (empty kinds left out)."""
    out: dict[str, list[tuple]] = {}
    for e in events:
        mine = np.flatnonzero(e.r == w)
        if not len(mine):
            continue
        cols = {k: np.broadcast_to(np.asarray(v), e.r.shape)[mine] for k, v in sorted(e.values.items())}
        rows = [tuple((k, None if (isinstance(x, float) and math.isnan(x)) else x) for k, x in
                      ((k, c[n].item()) for k, c in cols.items())) for n in range(len(mine))]
        out.setdefault(e.kind, []).extend(rows)
    return out


def assert_finite_run(sc, label: str, worlds: int = 3, years: int = 40) -> None:
    """A short run of ``sc`` keeps every recorded number and the system shares finite."""
    traj = engine.run_batch(sc, np.arange(worlds), years, seed=1)
    for k, v in traj.state_vars.items():
        if v.dtype.kind == "f":
            assert np.isfinite(v).all(), f"{label}: {k} not finite"
    for k in ("hhi", "leader_share"):
        assert np.isfinite(traj.system_vars[k]).all(), f"{label}: {k} not finite"


class MechanismContract:
    mechanism: ClassVar[Mechanism]
    overrides: ClassVar[dict[str, Any]] = {}
    worlds: ClassVar[int] = 12
    warm_years: ClassVar[int] = 15

    # -- fixtures -----------------------------------------------------------------

    @pytest.fixture(scope="class")
    def world(self):
        """Keys, params and the state at the start of a year, after a violent warm-up."""
        params_cfg = {k: dict(v) for k, v in VIOLENT.items()}
        for k, v in self.overrides.items():
            params_cfg.setdefault(k, {}).update(v)
        sc = _scenario(params_cfg)
        p = EngineParams.from_scenario(sc, self.worlds)
        keys = rng.world_keys(7, np.arange(self.worlds))
        s = init_state(sc, p, keys)
        for _ in range(self.warm_years):
            s, _ = engine.step(keys, s, p)
        assert (~s.alive).any(), "the warm-up must leave dead states to test the dead"
        return sc, keys, p, s

    def inputs(self, world, step):
        """The state just before ``step`` runs in the year (earlier steps of the year applied)."""
        sc, keys, p, s = world
        for _, st in current().steps():
            if st is step:
                return sc, keys, p, s
            s, _ = st.fn(keys, s, p)
        raise AssertionError("step not in the registry")

    def each_step(self, world):
        for st in self.mechanism.steps:
            yield st, self.inputs(world, st)

    # -- declarations ---------------------------------------------------------------

    def test_is_registered(self):
        assert self.mechanism in current().mechanisms

    def test_declares_itself(self):
        m = self.mechanism
        assert m.doc.strip() and m.sources, "a mechanism says which claim it encodes and where it comes from"
        if m.params is not None:
            cfg = m.params.model_config
            assert cfg.get("frozen") and cfg.get("extra") == "forbid"
            for name, f in m.params.model_fields.items():
                assert not f.is_required(), f"{m.name}.{name} has no default"
                assert f.description, f"{m.name}.{name} has no description"
                if f.annotation in (float, int):
                    lo, _, hi, _ = _bounds(f)
                    assert lo is not None and hi is not None, f"{m.name}.{name} has no allowed range"
            m.params()  # the defaults validate
        for f in m.fields:
            assert f.description
        for e in m.events:
            assert e.description and all(x.description for x in e.fields)
        for ms in m.measures:
            assert ms.description

    # -- purity ------------------------------------------------------------------------

    def test_steps_are_pure(self, world):
        R, N = world[3].shape
        shapes = {"world": (R,), "state": (R, N), "pair": (R, N, N)}
        declared = {f.name: f for _, f in current().fields()}
        for st, (_, keys, p, s) in self.each_step(world):
            ro = s.readonly()
            before = {k: np.array(v, copy=True) for k, v in ro.fields.items()}
            out, _ = st.fn(keys, ro, p)  # a write into a read-only input raises here
            for k, v in before.items():
                np.testing.assert_array_equal(ro.fields[k], v, err_msg=f"{st.stage}: input {k} changed")
            assert set(out.fields) == set(s.fields), "a step neither adds nor drops fields"
            for k, v in out.fields.items():
                assert np.shape(v) == shapes[declared[k].shape], f"{k} has shape {np.shape(v)}"

    def test_the_dead_stay_dead_and_inert(self, world):
        fields_of_state = {f.name for e in current().event_kinds() for f in e.fields if f.type == "state"}
        for st, (_, keys, p, s) in self.each_step(world):
            out, events = st.fn(keys, s, p)
            dead = ~s.alive
            assert not (out.alive & dead).any(), f"{st.stage}: a dead state came back"
            for c in CAPABILITIES:
                assert (out.fields[c][dead] == 0).all(), f"{st.stage}: a dead state holds {c}"
            for e in events:
                for name, v in e.values.items():
                    if name in fields_of_state and name != "absorbed_by":
                        v = np.broadcast_to(np.asarray(v), e.r.shape)
                        named = v >= 0
                        assert s.alive[e.r[named], v[named]].all(), f"{e.kind}.{name} names a dead state"

    def test_a_world_does_not_depend_on_its_batch(self, world):
        sc = world[0]
        for st, (_, keys, p, s) in self.each_step(world):
            out, events = st.fn(keys, s, p)
            p1 = EngineParams.from_scenario(sc, 1)
            for w in (0, self.worlds // 2, self.worlds - 1):
                alone, ev1 = st.fn(keys[w : w + 1], s.select([w]), p1)
                for k, v in alone.fields.items():
                    np.testing.assert_array_equal(v[0], out.fields[k][w], err_msg=f"{st.stage}: {k} of world {w}")
                assert _world_events(events, w) == _world_events(ev1, 0), f"{st.stage}: events of world {w}"

    # -- extremes and conservation ---------------------------------------------------------

    def test_outputs_stay_finite_at_the_extremes_of_every_parameter(self):
        m = self.mechanism
        if m.params is None:
            pytest.skip("no parameters")
        base = _scenario({k: dict(v) for k, v in VIOLENT.items()}).model_dump()
        for name, value in extremes(m.params):
            d = {**base, "params": {g: dict(v) for g, v in base["params"].items()}}
            d["params"][m.name][name] = value
            try:
                sc = validate_scenario(d)
            except Exception:  # a cross-field rule (e.g. max ≥ base) refuses this corner: not allowed, not run
                continue
            assert_finite_run(sc, f"{m.name}.{name} = {value}")

    def test_conserves_what_it_claims(self, world):
        if not self.mechanism.conserves:
            pytest.skip("claims no conservation")
        for st, (_, keys, p, s) in self.each_step(world):
            out, _ = st.fn(keys, s, p)
            for c in self.mechanism.conserves:
                np.testing.assert_allclose(out.fields[c].sum(axis=1), s.fields[c].sum(axis=1), rtol=1e-12,
                                           err_msg=f"{st.stage} does not conserve {c}")


__all__ = ["MechanismContract", "assert_finite_run", "extremes", "math"]

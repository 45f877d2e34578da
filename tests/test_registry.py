"""Adding a mechanism is adding its module and its registry entry — nothing else.

A toy mechanism is registered (through :func:`registry.using`, which stands
for its line in :data:`registry._default`) and found everywhere a user meets
a mechanism: its parameters settable with ``--set`` and listed by
``scenarios --params``, its fields in ``states.parquet``, its events in
``events.parquet``, its measure in ``system.parquet``, its summary line in
the run summary and its page in the generated parameter docs.
"""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import Field
from typer.testing import CliRunner

from neorealism import rng
from neorealism.mechanisms.base import (
    EventField,
    EventKind,
    Measure,
    Mechanism,
    StateField,
    Step,
    Stream,
    emit,
)
from neorealism.mechanisms.registry import Registry, current, default_mechanisms, using
from neorealism.schema import StrictModel

TOY_DRAW = Stream("toy", "draw")
TOY_QUERY = "SELECT 1 FROM events WHERE event = 'toy_report'"


class ToyParams(StrictModel):
    """A toy: every state's stock grows at ``rate`` a year (Nobody 2026)."""

    rate: float = Field(default=0.1, ge=0.0, le=1.0, description="yearly growth of the toy stock")
    chance: float = Field(default=0.5, ge=0.0, le=1.0, description="chance a living state reports its stock in a year")


def toy_step(keys, state, params):
    p = params.toy
    stock = np.where(state.alive, state.toy_stock * (1.0 + p.rate), 0.0)
    u = rng.uniform(keys, state.t + 1, TOY_DRAW.id, (state.shape[1],))
    r, i = np.nonzero(state.alive & (u < p.chance))
    return state.replace(toy_stock=stock), (emit("toy_report", r, state=i, amount=stock[r, i]),)


TOY = Mechanism(
    name="toy",
    params=ToyParams,
    doc=ToyParams.__doc__,
    sources=("Nobody 2026",),
    fields=(StateField("toy_stock", np.float64, "state", lambda ctx: 1.0, "the toy stock", record=True),),
    streams=(TOY_DRAW,),
    events=(EventKind("toy_report", (EventField("state", "state", "who reports"),
                                     EventField("amount", "float", "the stock reported")), "a state reports its toy stock"),),
    measures=(Measure("toy_total", "system", np.float64, lambda s, p: s.toy_stock.sum(axis=-1), "the toy stock of all states"),),
    steps=(Step("grow", toy_step),),
    summary=lambda rs, s: [f"Toy reports: {len(rs.query(TOY_QUERY))}"],
    module=__name__,
)


@pytest.fixture
def toy():
    with using((*default_mechanisms(), TOY)) as reg:
        yield reg


def test_a_registered_mechanism_is_everywhere(toy, tmp_path):
    from neorealism.cli import app
    from neorealism.paramdoc import parameters_markdown
    from neorealism.results import ResultSet

    runner = CliRunner()
    out = tmp_path / "run"
    res = runner.invoke(app, ["run", "bipolar", "--worlds", "3", "--years", "6", "--set", "toy.rate=0.5", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Toy reports:" in res.output  # its summary line
    rs = ResultSet.load(out)
    st = rs.states
    assert "toy_stock" in st.columns
    # the toy stock grows at the rate given with --set: 1.5^t in every living state
    year0 = st.year.min()
    alive = st[st.alive]
    np.testing.assert_allclose(alive.toy_stock, 1.5 ** (alive.year - year0), rtol=1e-12)
    ev = rs.events
    rep = ev[ev.event == "toy_report"]
    assert len(rep) > 0 and set(rep.columns) >= {"state", "amount"}
    assert (rep.state != "").all() and np.isfinite(rep.amount).all()
    # chance 0.5: about half of the state-years report (14 states × 6 years × 3 worlds = 252; ±5 sd)
    assert abs(len(rep) - 126) < 5 * np.sqrt(252 * 0.25)
    assert "toy_total" in rs.system.columns
    assert rs.scenario.params.toy.rate == 0.5

    res = runner.invoke(app, ["scenarios", "--params"])
    assert res.exit_code == 0 and "toy.rate" in res.output and "toy.chance" in res.output
    md = parameters_markdown()
    assert "## params.toy" in md and "Nobody 2026" in md and "`params.toy.rate`" in md

    bad = runner.invoke(app, ["run", "bipolar", "--worlds", "1", "--years", "1", "--set", "toy.rate=2", "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2
    assert "toy.rate" in bad.output and "[0.0, 1.0]" in bad.output


def test_the_toy_is_gone_when_unregistered(tmp_path):
    from neorealism.cli import app

    with using((*default_mechanisms(), TOY)):
        pass
    res = CliRunner().invoke(app, ["run", "bipolar", "--worlds", "1", "--years", "1", "--set", "toy.rate=0.5", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2 and "toy.rate" in res.output
    assert "toy" not in current().params_model.model_fields


def test_adding_a_mechanism_changes_no_other_world(toy):
    # the toy draws from its own stream: the rest of the model gives the very same numbers
    from neorealism import engine
    from neorealism.scenario import load_scenario

    with_toy = engine.simulate(load_scenario("multipolar"), worlds=4, years=40, seed=3)
    with using(default_mechanisms()):
        without = engine.simulate(load_scenario("multipolar"), worlds=4, years=40, seed=3)
    cols = [c for c in without.states.columns]
    np.testing.assert_array_equal(with_toy.states[cols].to_numpy(), without.states[cols].to_numpy())


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda: (*default_mechanisms(), TOY, TOY), "declared by both"),
        (lambda: (*default_mechanisms(), Mechanism(name="t2", params=None, doc="x", fields=(
            StateField("military", np.float64, "state", lambda c: 0.0, "again"),))), "state field 'military'"),
        (lambda: (*default_mechanisms(), Mechanism(name="t3", params=None, doc="x", streams=(Stream("war", "opportunity", legacy=3),))), "stream id"),
    ],
)
def test_conflicting_declarations_are_refused(make, problem):
    with pytest.raises(ValueError, match=problem):
        Registry(make())


def test_a_step_at_an_unknown_stage_is_refused():
    with pytest.raises(ValueError, match="stage 'breakfast'"):
        Step("breakfast", toy_step)

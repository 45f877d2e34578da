"""The model's elementary functions round the same on every machine (:mod:`neorealism.fmath`).

NumPy's ``exp``, ``log``, ``power`` … are SIMD code chosen per CPU (Intel's
SVML on AVX-512 machines) and need not round as the C library does; a seed
must give the same tables on any machine.  So the model computes them with
:mod:`neorealism.fmath` (the C library's functions), and these tests check

- that each equals Python's :mod:`math` (the same C library) element for element;
- that no NumPy transcendental function is left in the model's code;
- that a run's tables do not move when NumPy's functions are made to round
  one ulp differently (the other machine, emulated), while they do move when
  :mod:`neorealism.fmath`'s own are (so the check can fail).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neorealism import api, engine, fmath, kernels

MODEL = Path(engine.__file__).parent
#: The NumPy functions with CPU-dispatched SIMD loops that the model must not call (fmath's instead).
BANNED = re.compile(r"\bnp\.(exp|log|log1p|expm1|power|float_power|sin|cos|tan|tanh|sinh|cosh|exp2|log2|log10|"
                    r"arctan|arctan2|arcsin|arccos|cbrt)\(")

finite = st.floats(min_value=-700, max_value=700, allow_nan=False)
positive = st.floats(min_value=1e-300, max_value=1e300, allow_nan=False)


@given(st.lists(finite, min_size=1, max_size=50))
@settings(max_examples=60, deadline=None)
def test_exp_expm1_sin_cos_are_the_c_librarys(xs):
    x = np.array(xs)
    for name in ("exp", "expm1", "sin", "cos"):
        want = np.array([getattr(math, name)(v) for v in xs])
        assert np.array_equal(getattr(fmath, name)(x), want), name


@given(st.lists(positive, min_size=1, max_size=50), st.floats(min_value=-4, max_value=4, allow_nan=False))
@settings(max_examples=60, deadline=None)
def test_log_log1p_power_are_the_c_librarys(xs, e):
    x = np.array(xs)
    assert np.array_equal(fmath.log(x), np.array([math.log(v) for v in xs]))
    assert np.array_equal(fmath.log1p(x), np.array([math.log1p(v) for v in xs]))
    def pow_(v):
        try:
            return math.pow(v, e)
        except OverflowError:
            return math.inf

    with np.errstate(over="ignore"):  # an overflow is inf (and a warning, as NumPy's)
        assert np.array_equal(fmath.power(x, e), np.array([pow_(v) for v in xs]))
    inside = np.clip(x / 1e300, 0.0, 1.0)
    assert np.array_equal(fmath.arcsin(inside), np.array([math.asin(v) for v in inside]))


def test_edges_are_numpys():
    """Outside the domain, the values NumPy gives (NaN, −inf, inf), not an exception."""
    x = np.array([-2.0, -0.0, 0.0, np.inf, -np.inf, np.nan])
    with np.errstate(all="ignore"):
        for name in ("exp", "log", "log1p", "expm1", "sin", "cos", "arcsin"):
            assert np.array_equal(getattr(fmath, name)(x), getattr(np, name)(x), equal_nan=True), name
        b, e = np.array([-2.0, 0.0, 0.0, np.inf, np.nan, 1.0]), np.array([0.5, -1.0, 0.0, -0.5, 0.0, np.nan])
        assert np.array_equal(fmath.power(b, e), np.power(b, e), equal_nan=True)
    out = np.empty(3)
    assert fmath.exp(np.zeros(3), out=out) is out and (out == 1.0).all()


def test_no_numpy_transcendental_is_left_in_the_model():
    """The engine, the state, the measures, every mechanism and the data layer's scenario builder use
    fmath (code, not comments; the Numba kernels call the C library themselves)."""
    files = [*MODEL.glob("*.py"), *(MODEL / "mechanisms").glob("*.py"), *(MODEL / "data").glob("*.py")]
    found = []
    for f in files:
        if f.name.endswith("_kernels.py"):
            continue  # Numba code: np.log of a number there is the C library's (as math.log)
        for k, line in enumerate(f.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if BANNED.search(code) and f.name != "fmath.py":
                found.append(f"{f.relative_to(MODEL)}:{k}: {line.strip()}")
    assert not found, "NumPy's CPU-dependent functions in the model:\n" + "\n".join(found)


def _other_rounding(fn):
    """``fn`` as another machine might round it: one ulp up."""

    def other(*args, out=None, **kw):
        r = np.nextafter(fn(*args, **kw), np.inf)
        if out is not None:
            out[...] = r
            return out
        return r

    return other


def _tables(sc, reference: bool):
    with kernels.reference() if reference else kernels.compiled():
        res = engine.to_tables(engine.run_batch(sc, np.arange(60), 60, seed=5), sc)
    return res


@pytest.mark.parametrize("reference", [False, True], ids=["kernels", "numpy-reference"])
def test_results_do_not_depend_on_how_numpy_rounds(monkeypatch, reference):
    """The run's tables are the same with NumPy's functions rounding otherwise (another CPU) — and not
    the same when fmath's do, so the tables are sensitive to an ulp."""
    sc = api.with_overrides(api.load("multipolar"), {"cognition.misperception": 0.5, "cooperation.deal_rate": 0.2})
    base = _tables(sc, reference)
    with monkeypatch.context() as m:
        for name in ("exp", "log", "log1p", "expm1", "power", "sin", "cos", "arcsin", "tanh"):
            m.setattr(np, name, _other_rounding(getattr(np, name)))
        other_numpy = _tables(sc, reference)
    for t in ("states", "system", "events"):
        pd.testing.assert_frame_equal(getattr(base, t), getattr(other_numpy, t), obj=t)
    with monkeypatch.context() as m:
        for name in ("exp", "log", "power"):
            m.setattr(fmath, name, _other_rounding(getattr(fmath, name)))
        other_fmath = _tables(sc, reference)
    assert not base.states.equals(other_fmath.states), "an ulp in fmath moves nothing: the check above proves nothing"

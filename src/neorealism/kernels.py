"""The switch between the compiled kernels and the NumPy reference.

Hot steps have two forms: the NumPy form (the tested reference: clear,
batched over worlds) and a Numba kernel over the same arrays (the fast path
where NumPy's temporaries dominate, docs/performance.md).  Both give the
same results; tests run both.  ``NEOREALISM_KERNELS=0`` in the environment,
or :func:`reference` in code, selects the NumPy form.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

_forced: list[bool] = []


def use_kernels() -> bool:
    """Whether the compiled kernels run (default yes; ``NEOREALISM_KERNELS=0`` or :func:`reference` turn them off)."""
    if _forced:
        return _forced[-1]
    return os.environ.get("NEOREALISM_KERNELS", "1") not in ("0", "false", "no", "off")


@contextlib.contextmanager
def reference() -> Iterator[None]:
    """Run the NumPy reference forms inside this block."""
    _forced.append(False)
    try:
        yield
    finally:
        _forced.pop()


@contextlib.contextmanager
def compiled() -> Iterator[None]:
    """Run the compiled kernels inside this block (even if the environment turns them off)."""
    _forced.append(True)
    try:
        yield
    finally:
        _forced.pop()


def warm_up() -> None:
    """Compile (or load from the cache) every kernel the default model and its modes use.

    A few worlds of each built-in structure for a few years, with noisy and with exact perception
    and in Richardson mode: each kernel's signature is met once.  Used before parallel runs (the
    test suite's workers), so that processes never compile the same kernel at the same time.
    """
    import numpy as np

    from .engine import run_batch
    from .scenario import apply_overrides, load_scenario
    from .synthetic import synthetic_scenario

    scenarios = [load_scenario(n) for n in ("bipolar", "multipolar", "unipolar")] + [synthetic_scenario(20, seed=1)]
    scenarios.append(apply_overrides(scenarios[1], ["perception.capability_noise=0", "armament.mode=richardson"]))
    for sc in scenarios:
        run_batch(sc, np.arange(3), 4, seed=0)

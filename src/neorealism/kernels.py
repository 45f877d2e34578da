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
import sys
from collections.abc import Iterator

_forced: list[bool] = []
_from_env: list[bool] = []  # the environment's choice, read once a run (an environ lookup costs a microsecond)


def use_kernels() -> bool:
    """Whether the compiled kernels run (default yes; ``NEOREALISM_KERNELS=0`` or :func:`reference` turn them off).

    The environment is read when a run starts (:func:`read_environment`), not at every call."""
    if _forced:
        return _forced[-1]
    if not _from_env:
        read_environment()
    return _from_env[0]


def read_environment() -> None:
    """Read ``NEOREALISM_KERNELS`` again (:func:`neorealism.engine.run_batch` does, as a run starts)."""
    _from_env[:] = [os.environ.get("NEOREALISM_KERNELS", "1") not in ("0", "false", "no", "off")]


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


def backend() -> str:
    """How the parts of a batch run side by side (:func:`neorealism.engine.run_batch`): ``processes``
    (forked children writing into shared memory; Linux and other systems with ``fork``) or
    ``threads``.  ``NEOREALISM_BACKEND`` in the environment chooses; results do not depend on it."""
    env = os.environ.get("NEOREALISM_BACKEND", "").strip().lower()
    if env and env not in ("processes", "threads"):
        from .errors import ParameterError

        raise ParameterError(f"NEOREALISM_BACKEND = {env!r}: allowed processes, threads")
    if env == "threads" or not hasattr(os, "fork") or sys.platform == "darwin":
        return "threads"
    return "processes"


def threads() -> int:
    """How many threads a batch of worlds is shared among (:func:`neorealism.engine.run_batch`).

    ``NEOREALISM_THREADS`` in the environment, else the cores this process may
    use.  Results do not depend on it; a process-pool or distributed back end
    sets it to 1 in each worker so that workers do not compete for cores.
    """
    env = os.environ.get("NEOREALISM_THREADS", "").strip()
    if env:
        try:
            n = int(env)
        except ValueError:
            n = 0
        if n < 1:
            from .errors import ParameterError

            raise ParameterError(f"NEOREALISM_THREADS = {env!r}: allowed a whole number ≥ 1")
        return n
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover  (not on Linux)
        return max(1, os.cpu_count() or 1)

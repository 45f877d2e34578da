"""Shared test settings.

Hypothesis runs derandomised in every run (profile ``deterministic``): each
property test checks the same examples every time, locally and in CI, and no
example database is written into the working tree.  To look for new
counterexamples, run with ``--hypothesis-profile=explore`` (or
``HYPOTHESIS_PROFILE=explore``); a failure prints the blob to reproduce it.

The suite runs in parallel (pytest-xdist, see ``[tool.pytest.ini_options]``);
BLAS is kept to one thread per worker so that the workers do not compete for
the cores (``OPENBLAS_NUM_THREADS`` etc. already set in the environment win).

Plots use the non-interactive Agg backend.
"""

import os

# Read by OpenBLAS/MKL/OpenMP when numpy loads: in the xdist workers and in
# subprocesses, which start after this file is imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import matplotlib  # noqa: E402
from hypothesis import settings  # noqa: E402

matplotlib.use("Agg")

settings.register_profile("deterministic", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("ci", parent=settings.get_profile("deterministic"))  # the former CI=true profile
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


def pytest_configure(config):
    """Compile the Numba kernels once, in the controlling process, before the xdist workers start.

    Numba caches compiled kernels in ``__pycache__``; workers that compiled the same kernels at the
    same moment would race on those cache files.  After this warm-up every worker loads them.
    """
    if hasattr(config, "workerinput"):  # a worker: the controller has compiled them already
        return
    from neorealism import kernels

    if not kernels.use_kernels():
        return
    kernels.warm_up()

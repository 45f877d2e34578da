"""Shared test settings.

Under CI (``CI=true``) hypothesis runs derandomised, so a CI run is
reproducible; locally it explores new examples each run.  Plots use the
non-interactive Agg backend.
"""

import os

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "dev")

"""How fast the command line answers: `--help`, `run --help` and a refused bad option.

    python benchmarks/cli_startup.py [--repeat 7]

Runs each command as a fresh subprocess several times and prints the
minimum and median wall-clock seconds, their ratio to the 0.5 s goal, and
`python -c pass` as the floor no command can go below.  Then lists the
heavy libraries that `import neorealism.cli` loads (none should: they are
imported by the commands that need them).  This prints figures; it is not a
test (timings depend on the machine and its load).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

GOAL = 0.5
HEAVY = ("numpy", "pandas", "scipy", "pyarrow", "duckdb", "matplotlib", "pydantic", "yaml", "rich",
         "neorealism.engine", "neorealism.scenario", "neorealism.results", "neorealism.data.loaders")

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "neorealism --help": [sys.executable, "-m", "neorealism", "--help"],
    "neorealism run --help": [sys.executable, "-m", "neorealism", "run", "--help"],
    "neorealism run bipolar --worlds 0": [sys.executable, "-m", "neorealism", "run", "bipolar", "--worlds", "0"],
}


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def heavy_modules() -> list[str]:
    code = f"import sys, neorealism.cli; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return out.split()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="runs of each command (default 7)")
    args = ap.parse_args()
    print(f"{'command':<36} {'min s':>7} {'median s':>9} {'median/goal':>12}")
    for name, cmd in COMMANDS.items():
        timed(cmd)  # warm the file cache
        times = [timed(cmd) for _ in range(args.repeat)]
        lo, med = min(times), statistics.median(times)
        print(f"{name:<36} {lo:7.3f} {med:9.3f} {med / GOAL:11.2f}x")
    heavy = heavy_modules()
    print(f"goal: {GOAL} s per command (ratio ≤ 1.00x)")
    print("heavy modules loaded by `import neorealism.cli`: " + (", ".join(heavy) if heavy else "none"))


if __name__ == "__main__":
    main()

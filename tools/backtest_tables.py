"""Print (or write into docs/from-data.md) the backtest tables of the docs, as the code computes them.

    python tools/backtest_tables.py           # print both tables
    python tools/backtest_tables.py --write   # replace the rows in docs/from-data.md

A test (tests/data/test_backtest.py) checks the tables in the docs against
the code's output, so run this after a change of the model's defaults.
"""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path

from neorealism.data.backtest import backtest
from neorealism.data.cli_scenarios import SCORE_NAMES

RUNS = ((1950, 2000), (1913, 1938), (1992, 2016))
DOC = Path(__file__).resolve().parents[1] / "docs" / "from-data.md"


def _num(x: float, digits: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    return f"{x:.{digits}f}".replace("-", "−")


def tables() -> tuple[list[str], list[str]]:
    head, scored = [], []
    for start, end in RUNS:
        s = backtest(start, end, top=10, worlds=200, seed=0).summary
        run = f"{start}→{end}"
        head.append(
            f"| {run} | {s['coverage']:.2f} | {s['mae_median_con']:.3f} | {s['polarity_agreement']:.2f} | "
            f"{s['real_mean_n_great_powers']:.2f} vs {s['sim_mean_n_great_powers']:.2f} | "
            f"{s['system_coverage']:.2f} / {s['system_mae_median_con']:.3f} |"
        )
        for key, name in SCORE_NAMES.items():
            v = s["scores"][key]
            scored.append(
                f"| {run} | {name} | {_num(v['real'])} | {_num(v['sim'])} | {_num(v['nochange'])} | "
                f"{_num(v['error_model'])} / {_num(v['error_nochange'])} | {_num(v['skill'], 2)} | "
                f"{_num(v['crps'])} | {_num(v['crps_skill'], 2)} |"
            )
    return head, scored


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="replace the table rows in docs/from-data.md")
    a = ap.parse_args()
    head, scored = tables()
    if not a.write:
        print("\n".join(head) + "\n\n" + "\n".join(scored))
        return
    text = DOC.read_text(encoding="utf-8")
    run_rows = r"^\| \d{4}→\d{4} \| [\d.]+ \| .*$"
    names = "|".join(re.escape(n) for n in SCORE_NAMES.values())
    score_rows = rf"^\| \d{{4}}→\d{{4}} \| ({names}) \| .*$"
    for pattern, rows in ((run_rows, head), (score_rows, scored)):
        found = list(re.finditer(pattern, text, re.M))
        if len(found) != len(rows):
            raise SystemExit(f"expected {len(rows)} rows matching {pattern!r} in {DOC}, found {len(found)}")
        block = "\n".join(rows)
        text = text[: found[0].start()] + block + text[found[-1].end():]
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()

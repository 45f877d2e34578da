"""Run every built-in experiment at its default size and write its results into docs/experiments.md.

    python tools/experiment_tables.py                 # print the tables
    python tools/experiment_tables.py --write         # replace each <!-- results:NAME --> block in the doc
    python tools/experiment_tables.py --only balancing --write

Each block holds the command that made it, the summary (effect, 95% interval,
verdict per row) and the conditions' levels of the outcomes tested, as
`neorealism experiment run NAME` computes them (the spec's worlds, years and
seed).  Run it after a change of the model's defaults.
"""

from __future__ import annotations

import argparse
import math
import re
import time
from pathlib import Path

from neorealism.experiments import builtin_names, load_spec, run_experiment

DOC = Path(__file__).resolve().parents[1] / "docs" / "experiments.md"


def _f(v: float) -> str:
    if v is None or not isinstance(v, (int, float)) or not math.isfinite(v):
        return "–"
    return f"{v:.3g}".replace("-", "−")


def block(name: str) -> str:
    spec = load_spec(name)
    t0 = time.perf_counter()
    res = run_experiment(spec)
    took = time.perf_counter() - t0
    lines = [f"`neorealism experiment run {name}` ({res.worlds} worlds per condition × {res.years} years, seed "
             f"{res.seed}; {took:.0f} s on the 2-core development machine):", ""]
    lines += ["| outcome | condition | against | predicted | effect [95% interval] | sesoi | verdict |",
              "|---|---|---|---|---|---|---|"]
    for r in res.summary.itertuples():
        lines.append(f"| {r.outcome} | {r.condition} | {r.baseline} | {r.prediction} | {_f(r.effect)} "
                     f"[{_f(r.ci_low)}, {_f(r.ci_high)}] | {_f(r.sesoi)} | **{r.verdict}** |")
    tested = list(dict.fromkeys([o.name for o in spec.outcomes] + [t.outcome for t in spec.thresholds]
                                + [t.outcome for t in spec.trends] + list(spec.measures)))
    if tested and res.conditions:
        conds = [c.name for c in res.conditions]
        lv = res.levels.set_index(["outcome", "condition"])
        lines += ["", "Levels (each condition's outcome, 95% interval):", "",
                  "| outcome | " + " | ".join(conds) + " |", "|---|" + "---|" * len(conds)]
        for o in tested:
            cells = [f"{_f(lv.loc[(o, c), 'value'])} [{_f(lv.loc[(o, c), 'ci_low'])}, {_f(lv.loc[(o, c), 'ci_high'])}]"
                     for c in conds]
            lines.append(f"| {o} | " + " | ".join(cells) + " |")
    if res.sobol is not None:
        lines += ["", "Sobol' indices (SALib, 95% intervals):", "", "| outcome | parameter | S1 | ST |", "|---|---|---|---|"]
        sb = res.sobol.set_index(["outcome", "parameter", "index"])
        for (o, p) in dict.fromkeys((o, p) for o, p, _ in sb.index):
            s1, st = sb.loc[(o, p, "S1")], sb.loc[(o, p, "ST")]
            lines.append(f"| {o} | {p} | {_f(s1['value'])} [{_f(s1['ci_low'])}, {_f(s1['ci_high'])}] | "
                         f"{_f(st['value'])} [{_f(st['ci_low'])}, {_f(st['ci_high'])}] |")
    if res.tail is not None:
        lines += ["", "| sample | α [95% interval] | x_min | wars in the tail / all |", "|---|---|---|---|"]
        for r in res.tail.itertuples():
            lines.append(f"| {r.sample} | {_f(r.alpha)} [{_f(r.ci_low)}, {_f(r.ci_high)}] | {_f(r.x_min)} "
                         f"({r.size_unit}) | {r.n_tail} / {r.n} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="replace the blocks in docs/experiments.md")
    ap.add_argument("--only", action="append", help="only this experiment (repeatable)")
    args = ap.parse_args()
    names = args.only or builtin_names()
    text = DOC.read_text(encoding="utf-8") if args.write else ""
    for n in names:
        b = block(n)
        if not args.write:
            print(f"## {n}\n\n{b}\n")
            continue
        pat = re.compile(rf"(<!-- results:{re.escape(n)} -->\n)(?:(?!<!-- results:).)*?(<!-- /results -->)", re.S)
        if len(pat.findall(text)) != 1:
            raise SystemExit(f"docs/experiments.md needs one <!-- results:{n} --> … <!-- /results --> block")
        text = pat.sub(lambda m, b=b: m.group(1) + b + "\n" + m.group(2), text)
        print(f"{n}: done", flush=True)
    if args.write:
        DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

"""What the dashboard's charts draw, as JSON-ready dicts: one world, every world, the real system, the form.

- :func:`world_view` — one world year by year: each state's share of the
  living states' power (the distribution of capabilities, Waltz 1979 ch. 5),
  great-power status, military burden (internal balancing), its alliance
  bloc (external balancing: the connected groups of the alliance graph,
  rebuilt from the alliance events as :mod:`neorealism.blocs` does), the
  polarity label and CON (Ray & Singer 1973), the wars with their joiners,
  and a timeline of events in words.
- :func:`distribution_view` — across worlds: CON and burden quantiles, the
  share of worlds in each polarity, and the run's headline outcomes from
  the one outcome registry (:mod:`neorealism.outcomes`).
- :func:`history_view` — the real system 1816–2016 measured as the worlds
  are (:func:`neorealism.data.history.polarity_history`), COW's major
  powers and its inter-state wars, with the citations COW asks for.
- :func:`schema_view` — every mechanism parameter with its default and
  bounds, read from the pydantic models (as ``neorealism scenarios
  --params``), for the parameter form.
"""

from __future__ import annotations

import functools
import math
import typing
from typing import Any, Literal

import numpy as np

#: event kinds shown in a world's timeline
TIMELINE_KINDS = ("war_start", "war_join", "war_end", "alliance_formed", "alliance_joined", "alliance_left",
                  "death", "crisis", "deterrence", "arms_race", "arms_race_end", "commitment_honoured",
                  "commitment_abandoned", "nuclear_acquired")
#: headline outcomes of the distribution view (names in :data:`neorealism.outcomes.OUTCOMES`)
HEADLINE_OUTCOMES = ("wars", "gp_wars", "state_deaths", "gp_survival", "minor_survival", "polarity_duration",
                     "arms_burden", "alliances_formed", "balancing_rate", "con", "final_hhi")


def _num(x: Any) -> float | None:
    v = float(x)
    return round(v, 6) if math.isfinite(v) else None


def _grid(frame: Any, col: str, T1: int, N: int) -> np.ndarray:
    return frame[col].to_numpy().reshape(T1, N)


def _bloc_ids(pairs: set[tuple[str, str]], names: list[str], power: np.ndarray) -> list[int]:
    """Each state's bloc (:func:`neorealism.blocs.blocs`, components): the index of its strongest member, −1 none."""
    from .. import blocs

    idx = {n: k for k, n in enumerate(names)}
    out = [-1] * len(names)
    for group in blocs.blocs(blocs.graph(pairs, names)):
        leader = max((idx[n] for n in group), key=lambda k: (power[k], -k))
        for n in group:
            out[idx[n]] = leader
    return out


def _event_text(kind: str, r: Any) -> tuple[str, str, str]:
    """(a, b, words) of one event row."""
    if kind == "war_start":
        return r.attacker, r.defender, f"{r.attacker} attacks {r.defender} ({r.cause or 'war'})"
    if kind == "war_join":
        return r.state, "", f"{r.state} joins war {int(r.war_id)} on the {r.side}'s side"
    if kind == "war_end":
        who = f"{r.winner} wins" if r.winner else "no winner"
        return r.attacker, r.defender, f"war of {r.attacker} against {r.defender} ends: {who}"
    if kind == "death":
        by = f", absorbed by {r.absorbed_by}" if r.absorbed_by else ""
        return r.state, r.absorbed_by, f"{r.state} is conquered{by}"
    if kind == "alliance_formed":
        why = f" ({r.motive} against {r.against})" if r.against else (f" ({r.motive})" if r.motive else "")
        return r.state, r.partner, f"{r.state} and {r.partner} form an alliance{why}"
    if kind == "alliance_joined":
        why = f" ({r.motive} against {r.against})" if r.against else (f" ({r.motive})" if r.motive else "")
        return r.state, r.partner, f"{r.state} joins {r.partner}'s alliance{why}"
    if kind == "alliance_left":
        return r.state, r.partner, f"{r.state} leaves its alliance with {r.partner}" + (f" ({r.reason})" if r.reason else "")
    if kind == "crisis":
        return r.challenger, r.target, f"crisis: {r.challenger} presses {r.target}: {r.outcome}"
    if kind == "deterrence":
        held = "deterred" if r.deterred == "yes" else "not deterred"
        return r.challenger, r.target, f"{r.challenger} against {r.target}: {held}"
    if kind == "arms_race":
        why = ": a spiral — each reads the other's arming as hostile (Jervis 1976)" if r.spiral == "yes" else ""
        return r.state, r.partner, f"{r.state} and {r.partner} start an arms race{why}"
    if kind == "arms_race_end":
        return r.state, r.partner, f"the arms race of {r.state} and {r.partner} ends after {int(r.race_length)} years"
    if kind == "commitment_honoured":
        return r.state, r.partner, f"{r.state} honours its alliance and fights beside {r.partner}"
    if kind == "commitment_abandoned":
        why = f" ({r.reason})" if r.reason else ""
        return r.state, r.partner, f"{r.state} abandons its ally {r.partner}{why}"
    if kind == "nuclear_acquired":
        return r.state, "", f"{r.state} acquires nuclear weapons"
    return "", "", kind  # pragma: no cover


def world_view(res: Any, w: int) -> dict[str, Any]:
    """One world of a run, year by year (docs/dashboard.md)."""
    sc = res.scenario
    names = [s.name for s in sc.states]
    N = len(names)
    sys = res.system[res.system["world"] == w]
    years = sys["year"].to_numpy().astype(int)
    T1 = len(years)
    st = res.states[res.states["world"] == w]  # year by year, the states in scenario order
    alive = _grid(st, "alive", T1, N).astype(bool)
    power = _grid(st, "power", T1, N).astype(float)
    burden = _grid(st, "burden", T1, N).astype(float)
    great = _grid(st, "great_power", T1, N).astype(bool)
    living = np.where(alive, power, 0.0)
    total = living.sum(axis=1, keepdims=True)
    share = np.where(alive, living / np.where(total > 0, total, 1.0), np.nan)

    ev = res.events[res.events["world"] == w]
    ev = ev[ev["event"].isin(TIMELINE_KINDS)]
    # the alliances in force at the end of each year, replayed as neorealism.blocs replays them
    from ..blocs import alliance_changes, apply_event, pair

    pairs = {pair(a, b) for a, b in sc.alliances}
    changes = alliance_changes(ev, ["year"])
    by_year: dict[int, list[tuple[str, str, str]]] = {}
    for y, kind, s, p in zip(changes["year"], changes["event"], changes["state"], changes["partner"], strict=True):
        by_year.setdefault(int(y), []).append((str(kind), str(s), str(p)))
    bloc = [_bloc_ids(pairs, names, power[0])]
    for t in range(1, T1):
        for change in by_year.get(int(years[t]), ()):
            apply_event(pairs, *change)
        bloc.append(_bloc_ids(pairs, names, power[t]))

    wars: dict[int, dict[str, Any]] = {}
    events = []
    for r in ev.itertuples(index=False):
        kind = r.event
        a, b, text = _event_text(kind, r)
        events.append({"year": int(r.year), "kind": kind, "a": a or "", "b": b or "", "text": text})
        wid = int(r.war_id) if r.war_id == r.war_id and r.war_id is not None else -1
        if kind == "war_start":
            wars[wid] = {"id": wid, "start": int(r.year), "end": None, "attacker": r.attacker,
                         "defender": r.defender, "joined": [], "winner": None}
        elif kind == "war_join" and wid in wars:
            wars[wid]["joined"].append(r.state)
        elif kind == "war_end" and wid in wars:
            wars[wid]["end"] = int(r.year)
            wars[wid]["winner"] = r.winner or None

    def rows(a: np.ndarray) -> list[list[Any]]:
        return [[_num(x) for x in row] for row in a]

    return {
        "world": int(w),
        "years": years.tolist(),
        "states": [{"name": s.name, "x": float(s.position[0]), "y": float(s.position[1])} for s in sc.states],
        "alive": alive.tolist(),
        "share": rows(share),
        "great_power": great.tolist(),
        "burden": rows(np.where(alive, burden, np.nan)),
        "bloc": bloc,
        "polarity": sys["polarity"].astype(str).tolist(),
        "con": [_num(x) for x in sys["con"]],
        "hhi": [_num(x) for x in sys["hhi"]],
        "wars_ongoing": sys["wars_ongoing"].astype(int).tolist(),
        "arms_races": sys["arms_races"].astype(int).tolist(),
        "spirals": sys["spirals"].astype(int).tolist(),
        "suspicion": [_num(x) for x in sys["suspicion"]],
        "wars": sorted(wars.values(), key=lambda d: (d["start"], d["id"])),
        "events": events,
    }


def distribution_view(res: Any) -> dict[str, Any]:
    """Every world of a run, year by year (docs/dashboard.md)."""
    from .. import outcomes as oc

    sys = res.system.sort_values(["world", "year"], kind="stable")
    worlds = np.unique(sys["world"].to_numpy())
    R = len(worlds)
    years = np.unique(sys["year"].to_numpy()).astype(int)
    T1 = len(years)

    def grid(col: str) -> np.ndarray:
        return sys[col].to_numpy().astype(float).reshape(R, T1)

    def bands(a: np.ndarray) -> dict[str, list[float | None]]:
        q = np.nanquantile(a, [0.1, 0.5, 0.9], axis=0) if np.isfinite(a).any() else np.full((3, a.shape[1]), np.nan)
        return {k: [_num(x) for x in row] for k, row in zip(("q10", "q50", "q90"), q, strict=True)}

    st = res.states
    alive = st["alive"].to_numpy()
    b = np.where(alive, st["burden"].to_numpy(), 0.0)
    key = st["world"].to_numpy().astype(np.int64) * T1 + np.searchsorted(years, st["year"].to_numpy())
    num = np.bincount(key, weights=b, minlength=R * T1)
    den = np.bincount(key, weights=alive.astype(float), minlength=R * T1)
    burden = (num / np.where(den > 0, den, np.nan)).reshape(R, T1)

    pol = sys["polarity"].astype(str).to_numpy().reshape(R, T1)
    labels = [str(x) for x in sys["polarity"].cat.categories] if hasattr(sys["polarity"], "cat") else sorted(set(pol.ravel()))
    share = {lab: [_num(x) for x in (pol == lab).mean(axis=0)] for lab in labels}

    T = T1 - 1
    measured = oc.measure(res, list(HEADLINE_OUTCOMES), R, T)
    heads = []
    for name in HEADLINE_OUTCOMES:
        o = oc.outcome(name)
        n, d = measured[name]
        tot = float(np.sum(d))
        heads.append({"name": name, "label": o.label, "unit": o.unit,
                      "value": _num(float(np.sum(n)) / tot * o.scale) if tot > 0 else None})
    return {
        "worlds": R, "years": years.tolist(),
        "con": bands(grid("con")), "burden": bands(burden),
        "polarity": {"labels": labels, "share": share},
        "wars_started": [_num(x) for x in grid("wars_started").mean(axis=0)],
        "n_alive": [_num(x) for x in grid("n_alive").mean(axis=0)],
        "great_powers": [_num(x) for x in grid("n_great_powers").mean(axis=0)],
        "outcomes": heads,
    }


def history_view() -> dict[str, Any]:
    """The real system 1816–2016 from the shipped COW data (docs/dashboard.md)."""
    from ..data import loaders
    from ..data.history import conventional_era, polarity_history

    h = polarity_history(rule="cow")
    years = h["year"].astype(int).tolist()
    majors = loaders.major_state_years()
    by_year: dict[int, list[str]] = {}
    for abb, y in zip(majors["stateabb"], majors["year"], strict=True):
        by_year.setdefault(int(y), []).append(str(abb))
    w = loaders.load_wars()
    major_codes = {(int(c), int(y)) for c, y in zip(majors["ccode"], majors["year"], strict=True)}
    wars = []
    for num, g in w.groupby("WarNum", sort=True):
        start = int(g["StartYear1"].min())
        ends = [int(v) for v in g["EndYear1"] if v == v and v is not None and int(v) > 0]
        end = max(ends) if ends else start
        gp_sides = {int(s) for c, s in zip(g["ccode"], g["Side"], strict=True)
                    if (int(c), start) in major_codes}
        wars.append({"id": int(num), "name": str(g["WarName"].iloc[0]), "start": start, "end": end,
                     "great_power": len(gp_sides) >= 2,
                     "states": sorted({str(s) for s in g["StateName"]})})
    return {
        "years": years,
        "polarity": [str(x) if x is not None else None for x in h["polarity_label"]],
        "era": [str(x) for x in conventional_era(np.asarray(years))],
        "con": [_num(x) for x in h["con"]],
        "hhi": [_num(x) for x in h["hhi"]],
        "great_powers": [int(x) if x == x and x is not None else None for x in h["n_great_powers"]],
        "measured_great_powers": [str(x).split(";") if isinstance(x, str) and x else [] for x in h["great_powers"]],
        "majors": [sorted(by_year.get(y, [])) for y in years],
        "wars": wars,
        "citation": loaders.citation_text(),
    }


def _field_entry(path: str, field: Any) -> dict[str, Any] | None:
    from pydantic_core import PydanticUndefined

    from ..paramdoc import _bounds, _strip_optional, allowed_text

    tp, optional = _strip_optional(field.annotation)
    if typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    choices = None
    if typing.get_origin(tp) is Literal:
        kind, choices = "choice", [a for a in typing.get_args(tp)]
    elif tp is bool:
        kind = "bool"
    elif tp is int:
        kind = "int"
    elif tp is float:
        kind = "float"
    else:
        return None  # lists, tables, text: edited in the YAML, not in the form
    default = field.default if field.default is not PydanticUndefined else (
        field.default_factory() if field.default_factory is not None else None)
    b = _bounds(field)
    return {
        "path": path, "type": kind, "default": default, "optional": optional,
        "minimum": b.get("ge", b.get("gt")), "maximum": b.get("le", b.get("lt")),
        "exclusive_minimum": "gt" in b, "exclusive_maximum": "lt" in b,
        "choices": choices, "allowed": allowed_text(field),
        "doc": " ".join((field.description or "").split()),
    }


@functools.lru_cache(maxsize=1)
def schema_view() -> dict[str, Any]:
    """The parameter form: each group of ``params`` with its numeric, yes/no and choice fields (computed once:
    the registry is fixed for the process; do not modify the result)."""
    from ..paramdoc import _doc, leaf_fields, param_groups

    groups = []
    for gname, model, _ in param_groups():
        entries = (_field_entry(path, f) for path, _, f in leaf_fields(model, f"{gname}."))
        groups.append({"name": gname, "doc": _doc(model).split("\n\n")[0], "params": [e for e in entries if e]})
    return {"groups": groups}


def scenario_params(sc: Any) -> dict[str, Any]:
    """The scenario's own value of every field the form shows (path → value)."""
    out: dict[str, Any] = {}
    form = schema_view()
    data = sc.params.model_dump(mode="json")
    for g in form["groups"]:
        for p in g["params"]:
            node: Any = data
            for part in p["path"].split("."):
                node = node.get(part) if isinstance(node, dict) else None
            out[p["path"]] = node
    return out


def lessons_view() -> dict[str, Any]:
    """The ready-made comparisons of ``lessons.yaml``, validated (pydantic, unknown keys refused)."""
    from importlib import resources

    import yaml
    from pydantic import BaseModel, ConfigDict, Field

    class Side(BaseModel):
        model_config = ConfigDict(extra="forbid")
        label: str
        scenario: str
        params: dict[str, bool | int | float | str] = Field(default_factory=dict)

    class Lesson(BaseModel):
        model_config = ConfigDict(extra="forbid")
        name: str
        title: str
        claim: str
        source: str
        watch: str
        note: str = ""  #: what the model shows where it differs from the claim
        a: Side
        b: Side

    text = (resources.files("neorealism.dashboard") / "lessons.yaml").read_text(encoding="utf-8")
    return {"lessons": [Lesson.model_validate(x).model_dump() for x in yaml.safe_load(text)]}

"""Alliance blocs at analysis time: the alliance graph of a result, with networkx.

The engine records alliances as events (``alliance_formed``,
``alliance_joined``, ``alliance_left``; a ``death`` ends every alliance of
the dead state) beside the scenario's starting alliances, and reports per
year the number of allied pairs, of blocs and the alliance polarization
(:mod:`neorealism.mechanisms.alliances`).  This module rebuilds the
alliance graph of any world at the end of any year from those records and
analyses it with networkx:

- ``components``: blocs as connected groups of allied states (the engine's
  per-year ``blocs`` measure; overlapping alliances chain into one bloc, as
  Bismarck's system did);
- ``cliques``: maximal groups in which every pair is allied (a tight bloc in
  the sense of Wallace 1973 and Bueno de Mesquita 1975; blocs may overlap);
- ``communities``: a partition by greedy modularity (Clauset, Newman & Moore
  2004): the camps of a chained network.

``polarization(blocs, power)`` is 2 × the power share of the second-largest
bloc (the engine's ``alliance_polarization`` on components): 1 when two
equally strong blocs hold all power, 0 with fewer than two blocs.

Usage::

    from neorealism.results import ResultSet
    from neorealism import blocs
    rs = ResultSet.load("results/bipolar-seed0")
    pairs = blocs.alliance_pairs(rs, year=100)        # {world: {(a, b), …}}
    g = blocs.graph(pairs[0], rs.scenario)            # a networkx.Graph
    blocs.blocs(g, "cliques")
    blocs.bloc_table(rs, year=100)                    # one row per world and bloc
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import numpy as np

Method = Literal["components", "cliques", "communities"]
METHODS: tuple[str, ...] = ("components", "cliques", "communities")
_KINDS = ("alliance_formed", "alliance_joined", "alliance_left", "death")

Pair = tuple[str, str]


def pair(a: str, b: str) -> Pair:
    """The pair (a, b) in a fixed order: an alliance is undirected."""
    return (a, b) if a <= b else (b, a)


def _events(source: Any):
    """The alliance and death events of a ResultSet or a SimulationResult (DataFrame)."""
    kinds = ", ".join(f"'{k}'" for k in _KINDS)
    if hasattr(source, "query") and hasattr(source, "manifest"):
        return source.query(
            f"SELECT world, year, event, state, partner FROM events WHERE event IN ({kinds}) ORDER BY world, year"
        )
    ev = source.events
    ev = ev[ev["event"].astype(str).isin(_KINDS)]
    return ev[["world", "year", "event", "state", "partner"]].sort_values(["world", "year"], kind="stable")


def _worlds(source: Any) -> list[int]:
    if hasattr(source, "query") and hasattr(source, "manifest"):
        return [int(w) for w in source.query("SELECT DISTINCT world FROM system ORDER BY world")["world"]]
    return sorted(int(w) for w in source.system["world"].unique())


def alliance_pairs(source: Any, year: int | None = None, worlds: Iterable[int] | None = None) -> dict[int, set[Pair]]:
    """The alliance pairs in force at the end of ``year`` in each world (default: the last year).

    ``source`` is a :class:`~neorealism.results.ResultSet` or an
    :class:`~neorealism.engine.SimulationResult`.  The pairs start as the
    scenario's alliances; within a year the alliance events (stage ``ally``)
    come before the deaths (stage ``resolve``), as in the engine.
    """
    start = {pair(a, b) for a, b in source.scenario.alliances}
    wanted = set(_worlds(source)) if worlds is None else {int(w) for w in worlds}
    ev = _events(source)
    if year is not None:
        ev = ev[ev["year"] <= year]
    out: dict[int, set[Pair]] = {w: set(start) for w in wanted}
    ev = alliance_changes(ev, ["world", "year"])
    for w, kind, s, p in zip(ev["world"], ev["event"].astype(str), ev["state"].astype(str),
                             ev["partner"].astype(str), strict=True):
        if int(w) in out:
            apply_event(out[int(w)], kind, s, p)
    return out


#: within a year the alliance events (stage ``ally``) come before the deaths (stage ``resolve``)
_ORDER = {"alliance_formed": 0, "alliance_joined": 0, "alliance_left": 0, "death": 1}


def alliance_changes(ev: Any, by: list[str]) -> Any:
    """The alliance and death events of ``ev`` sorted by ``by`` (e.g. world, year), alliances before deaths
    within each."""
    ev = ev[ev["event"].astype(str).isin(_KINDS)]
    return ev.assign(_o=ev["event"].astype(str).map(_ORDER)).sort_values([*by, "_o"], kind="stable")


def apply_event(pairs: set[Pair], kind: str, state: str, partner: str) -> None:
    """Change the alliance pairs in force by one event (a death ends every alliance of the dead state)."""
    if kind == "death":
        for q in [q for q in pairs if state in q]:
            pairs.discard(q)
    elif kind == "alliance_left":
        pairs.discard(pair(state, partner))
    elif kind in ("alliance_formed", "alliance_joined"):
        pairs.add(pair(state, partner))


def graph(pairs: Iterable[Pair], nodes: Any = None):
    """A networkx Graph of the alliance pairs; ``nodes`` (state names, or a scenario) adds the unaligned."""
    import networkx as nx

    g = nx.Graph()
    if nodes is not None:
        g.add_nodes_from(s.name for s in nodes.states) if hasattr(nodes, "states") else g.add_nodes_from(nodes)
    g.add_edges_from(pairs)
    return g


def graph_of_state(state: Any, names: Iterable[str], world: int = 0, alive_only: bool = True):
    """The alliance graph of one world of a :class:`~neorealism.state.WorldState` (e.g. a run's final state)."""
    names = list(names)
    allied = np.asarray(state.allied[world])
    alive = np.asarray(state.alive[world])
    a, b = np.nonzero(np.triu(allied, 1))
    nodes = [n for k, n in enumerate(names) if alive[k] or not alive_only]
    return graph(((names[x], names[y]) for x, y in zip(a, b, strict=True)), nodes)


def blocs(g: Any, method: Method = "components") -> list[frozenset[str]]:
    """The blocs of an alliance graph (groups of ≥ 2 states), largest first; see the module docstring."""
    import networkx as nx

    if method == "components":
        found = [frozenset(c) for c in nx.connected_components(g)]
    elif method == "cliques":
        found = [frozenset(c) for c in nx.find_cliques(g)]
    elif method == "communities":
        sub = g.subgraph([n for n in g.nodes if g.degree(n) > 0])
        found = [frozenset(c) for c in nx.algorithms.community.greedy_modularity_communities(sub)] if len(sub) else []
    else:
        raise ValueError(f"method {method!r}: allowed {', '.join(METHODS)}")
    return sorted((b for b in found if len(b) >= 2), key=lambda b: (-len(b), sorted(b)))


def polarization(found: Iterable[frozenset[str]], power: Mapping[str, float]) -> float:
    """2 × the power share of the second-strongest bloc (in [0, 1]; 0 with fewer than two blocs).

    ``power``: each living state's power (e.g. the states table's ``power`` in
    one world-year); the share is of the total over ``power``'s states.
    """
    total = float(sum(power.values()))
    strength = sorted((sum(power.get(s, 0.0) for s in b) for b in found), reverse=True)
    if total <= 0 or len(strength) < 2:
        return 0.0
    return min(1.0, 2.0 * strength[1] / total)


def bloc_table(source: Any, year: int | None = None, method: Method = "components", worlds: Iterable[int] | None = None):
    """One row per world and bloc at the end of ``year``: world, bloc (0 = largest), size, members (sorted, ``;``-joined)."""
    import pandas as pd

    if method not in METHODS:
        raise ValueError(f"method {method!r}: allowed {', '.join(METHODS)}")
    rows = []
    for w, pairs in sorted(alliance_pairs(source, year, worlds).items()):
        for k, b in enumerate(blocs(graph(pairs), method)):
            rows.append({"world": w, "bloc": k, "size": len(b), "members": ";".join(sorted(b))})
    return pd.DataFrame(rows, columns=["world", "bloc", "size", "members"])


__all__ = ["METHODS", "alliance_pairs", "bloc_table", "blocs", "graph", "graph_of_state", "polarization"]

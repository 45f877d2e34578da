"""ResultWriter / ResultSet: Parquet round trip, atomic publication, overwrite guard, DuckDB."""

from __future__ import annotations

import datetime as dt
import json
import os

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import neorealism
from neorealism.errors import NeorealismError
from neorealism.results import (
    EVENTS_SCHEMA,
    RESULT_FILES,
    SCHEMAS,
    TABLES,
    ResultError,
    ResultSet,
    ResultWriter,
    run_differences,
)

NAMES = ["A", "B", "C"]


def fake_chunk(worlds: range, years: int = 3, *, events: bool = True, start_year: int = 1900):
    """Synthetic tables in the engine's layout for the given worlds."""
    rng = np.random.default_rng(worlds.start)
    w = np.repeat(np.array(list(worlds)), (years + 1) * len(NAMES))
    y = np.tile(np.repeat(np.arange(years + 1) + start_year, len(NAMES)), len(worlds))
    n = len(w)
    power = rng.random(n)
    states = pd.DataFrame(
        {
            "world": w.astype(np.int32),
            "year": y.astype(np.int32),
            "state": np.tile(NAMES, n // len(NAMES)),
            "alive": np.ones(n, dtype=bool),
            "military": rng.random(n),
            "economy": rng.random(n),
            "population": rng.random(n),
            "resources": rng.random(n),
            "technology": rng.random(n),
            "burden": rng.random(n),
            "power": power,
            "great_power": power > 0.3,
        }
    )
    sw = np.repeat(np.array(list(worlds)), years + 1)
    m = len(sw)
    system = pd.DataFrame(
        {
            "world": sw.astype(np.int32),
            "year": np.tile(np.arange(years + 1) + start_year, len(worlds)).astype(np.int32),
            "n_alive": np.full(m, 3, dtype=np.int32),
            "n_great_powers": np.full(m, 2, dtype=np.int32),
            "polarity": pd.Categorical(["bipolar"] * m, categories=["nonpolar", "unipolar", "bipolar", "multipolar"]),
            "con": rng.random(m),
            "hhi": rng.random(m),
            "leader_share": rng.random(m),
            "wars_started": np.zeros(m, dtype=np.int32),
            "wars_ongoing": np.zeros(m, dtype=np.int32),
        }
    )
    if events:
        k = len(worlds)
        ev = pd.DataFrame(
            {
                "world": np.array(list(worlds), dtype=np.int32),
                "year": np.full(k, start_year + 1, dtype=np.int32),
                "event": ["war_start"] * k,
                "war_id": np.arange(k, dtype=np.int64),
                "attacker": ["A"] * k,
                "defender": ["B"] * k,
                "expected_utility": np.full(k, 0.05),
                "side": [""] * k,
                "winner": [""] * k,
                "loser": [""] * k,
                "state": [""] * k,
                "absorbed_by": [""] * k,
                "losses": np.full(k, np.nan),
            }
        )
    else:
        ev = pd.DataFrame({c: [] for c in EVENTS_SCHEMA.names})
    return states, system, ev


MANIFEST = {"scenario": {"name": "fake"}, "seed": 7, "worlds": 5, "years": 3}


def write_fake(path, chunks=((0, 2), (2, 5)), **kw):
    with ResultWriter(path, **kw) as w:
        for lo, hi in chunks:
            w.write_chunk(*fake_chunk(range(lo, hi)))
        w.close(MANIFEST)
    return path


def leftovers(path) -> list[str]:
    return sorted(os.listdir(path)) if path.exists() else []


def normalise(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """What a chunk looks like after a round trip (schema dtypes, plain strings)."""
    out = df[SCHEMAS[table].names].copy()
    for field in SCHEMAS[table]:
        col = out[field.name]
        if isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object:
            out[field.name] = col.astype(str)
    return out


# --------------------------------------------------------------------------- round trip


def test_round_trip(tmp_path):
    out = write_fake(tmp_path / "run")
    assert sorted(os.listdir(out)) == sorted(RESULT_FILES)
    rs = ResultSet.load(out)
    parts = [fake_chunk(range(0, 2)), fake_chunk(range(2, 5))]
    for i, table in enumerate(TABLES):
        expected = pd.concat([normalise(p[i], table) for p in parts], ignore_index=True)
        got = getattr(rs, table)
        assert list(got.columns) == SCHEMAS[table].names
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_exact=True)
        # exact dtypes of the numeric / bool columns
        for field in SCHEMAS[table]:
            if field.type in ("int32", "int64", "double", "bool"):
                assert got[field.name].dtype == field.type.to_pandas_dtype(), (table, field.name)
        # on-disk schema is the declared one
        assert pq.read_schema(out / f"{table}.parquet").equals(SCHEMAS[table], check_metadata=False)


def test_manifest_contents(tmp_path):
    out = write_fake(tmp_path / "run")
    rs = ResultSet.load(out)
    m = rs.manifest
    assert m == json.loads((out / "manifest.json").read_text())
    assert m["complete"] is True
    assert m["scenario"] == {"name": "fake"}
    assert (m["seed"], m["worlds"], m["years"]) == (7, 5, 3)
    assert m["version"] == neorealism.__version__
    created = dt.datetime.fromisoformat(m["created"])
    assert created.utcoffset() == dt.timedelta(0)
    assert abs((dt.datetime.now(dt.UTC) - created).total_seconds()) < 120
    assert m["rows"] == {"states": 5 * 4 * 3, "system": 5 * 4, "events": 5}
    assert m["rows"] == rs.rows


def test_tables_load_lazily(tmp_path):
    rs = ResultSet.load(write_fake(tmp_path / "run"))
    assert not {"states", "system", "events"} & set(vars(rs))
    _ = rs.system
    assert "system" in vars(rs) and "states" not in vars(rs)


def test_manifest_accepts_pydantic_scenario_and_numpy(tmp_path):
    from neorealism.scenario import load_builtin

    sc = load_builtin("bipolar")
    with ResultWriter(tmp_path / "r") as w:
        w.write_chunk(*fake_chunk(range(0, 1)))
        w.close({"scenario": sc, "seed": np.int64(3), "worlds": np.int32(1), "years": 3})
    m = ResultSet.load(tmp_path / "r").manifest
    assert m["scenario"]["name"] == "bipolar" and m["seed"] == 3
    assert ResultSet.load(tmp_path / "r").scenario == sc


def test_engine_chunks_round_trip(tmp_path):
    """Real engine output fits the schema and reads back equal to simulate()."""
    from neorealism.engine import iter_chunks, simulate
    from neorealism.scenario import load_builtin

    sc = load_builtin("multipolar").with_run(worlds=5, years=15, seed=11)
    with ResultWriter(tmp_path / "r") as w:
        for chunk in iter_chunks(sc, chunk_size=2):
            w.write_chunk(chunk.states, chunk.system, chunk.events)
        w.close({"scenario": sc, "seed": sc.seed, "worlds": sc.worlds, "years": sc.years})
    rs = ResultSet.load(tmp_path / "r")
    whole = simulate(sc, chunk_size=5)
    for table in TABLES:
        pd.testing.assert_frame_equal(
            getattr(rs, table), normalise(getattr(whole, table), table), check_dtype=False, check_exact=True
        )
    assert rs.manifest["chunks"] == 3
    assert rs.system["world"].nunique() == 5


# --------------------------------------------------------------------------- atomicity


class Boom(RuntimeError):
    pass


def test_exception_midway_leaves_nothing(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(Boom), ResultWriter(out) as w:
        w.write_chunk(*fake_chunk(range(0, 2)))
        assert len(w.temp_files()) == 3  # streaming into hidden temp files
        assert all(p.name.startswith(".") and ".tmp-" in p.name for p in w.temp_files())
        assert not any((out / f).exists() for f in RESULT_FILES)
        raise Boom
    assert leftovers(out) == []  # no final names, no temp files (dir we made is gone too)
    with pytest.raises(ResultError):
        ResultSet.load(out)


def test_exception_in_existing_dir_keeps_dir_empty(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    with pytest.raises(Boom), ResultWriter(out) as w:
        w.write_chunk(*fake_chunk(range(0, 2)))
        raise Boom
    assert out.is_dir() and leftovers(out) == []


def test_failure_while_publishing_leaves_nothing(tmp_path, monkeypatch):
    out = tmp_path / "run"
    real_replace = os.replace
    calls = []

    def flaky_replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:  # states.parquet published, system.parquet fails
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky_replace)
    with pytest.raises(OSError), ResultWriter(out) as w:
        w.write_chunk(*fake_chunk(range(0, 2)))
        w.close(MANIFEST)
    assert leftovers(out) == []


def test_leaving_block_without_close_publishes_nothing(tmp_path):
    out = tmp_path / "run"
    with ResultWriter(out) as w:
        w.write_chunk(*fake_chunk(range(0, 2)))
    assert w.closed and leftovers(out) == []


def test_abort_is_idempotent_and_final(tmp_path):
    w = ResultWriter(tmp_path / "run")
    w.write_chunk(*fake_chunk(range(0, 1)))
    w.abort()
    w.abort()
    assert leftovers(tmp_path / "run") == []
    with pytest.raises(RuntimeError):
        w.write_chunk(*fake_chunk(range(1, 2)))
    with pytest.raises(RuntimeError):
        w.close(MANIFEST)


def test_bad_chunk_is_rejected_and_aborts(tmp_path):
    out = tmp_path / "run"
    states, system, events = fake_chunk(range(0, 1))
    with pytest.raises(ValueError, match="missing columns"), ResultWriter(out) as w:
        w.write_chunk(states.drop(columns=["power"]), system, events)
    assert leftovers(out) == []
    with pytest.raises(ValueError, match="unexpected columns"), ResultWriter(out) as w:
        w.write_chunk(states.assign(extra=1), system, events)
    with pytest.raises(ValueError, match="schema"), ResultWriter(out) as w:
        w.write_chunk(states.assign(military="lots"), system, events)
    assert leftovers(out) == []


def test_manifest_is_written_last(tmp_path, monkeypatch):
    out = tmp_path / "run"
    order = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda s, d: (order.append(os.path.basename(d)), real_replace(s, d))[1])
    write_fake(out)
    assert order[-1] == "manifest.json"
    assert sorted(order[:-1]) == ["events.parquet", "states.parquet", "system.parquet"]


# --------------------------------------------------------------------------- overwrite


def test_refuses_to_overwrite_previous_result(tmp_path):
    out = write_fake(tmp_path / "run")
    before = {f: (out / f).read_bytes() for f in RESULT_FILES}
    with pytest.raises(ResultError) as info:
        ResultWriter(out)
    assert isinstance(info.value, NeorealismError)
    assert str(out) in str(info.value) and "overwrite" in str(info.value)
    assert {f: (out / f).read_bytes() for f in RESULT_FILES} == before


def test_overwrite_replaces_result(tmp_path):
    out = write_fake(tmp_path / "run")
    write_fake(out, chunks=((0, 1),), overwrite=True)
    rs = ResultSet.load(out)
    assert rs.system["world"].unique().tolist() == [0]
    assert sorted(os.listdir(out)) == sorted(RESULT_FILES)


def test_failed_overwrite_keeps_old_result(tmp_path):
    out = write_fake(tmp_path / "run")
    with pytest.raises(Boom), ResultWriter(out, overwrite=True) as w:
        w.write_chunk(*fake_chunk(range(0, 1)))
        raise Boom
    rs = ResultSet.load(out)
    assert rs.system["world"].nunique() == 5
    assert sorted(os.listdir(out)) == sorted(RESULT_FILES)


def test_refuses_non_empty_foreign_dir(tmp_path):
    out = tmp_path / "mydocs"
    out.mkdir()
    (out / "thesis.tex").write_text("x")
    with pytest.raises(ResultError, match="not empty") as info:
        ResultWriter(out)
    assert str(out) in str(info.value)
    write_fake(out, overwrite=True)
    assert (out / "thesis.tex").read_text() == "x"


def test_stale_temp_files_do_not_block(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / ".states.parquet.tmp-99999-deadbeef").write_bytes(b"partial")
    write_fake(out)
    assert ResultSet.load(out).rows["system"] == 20


def test_refuses_file_as_dir(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ResultError, match="not a directory"):
        ResultWriter(f)


# --------------------------------------------------------------------------- loading errors


def test_load_missing_dir(tmp_path):
    with pytest.raises(ResultError, match="does not exist") as info:
        ResultSet.load(tmp_path / "nothing")
    assert str(tmp_path / "nothing") in str(info.value)


def test_load_dir_without_manifest(tmp_path):
    out = write_fake(tmp_path / "run")
    (out / "manifest.json").unlink()
    with pytest.raises(NeorealismError) as info:
        ResultSet.load(out)
    assert str(out) in str(info.value) and "manifest.json" in str(info.value)


def test_load_incomplete_manifest(tmp_path):
    out = write_fake(tmp_path / "run")
    m = json.loads((out / "manifest.json").read_text())
    m["complete"] = False
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ResultError, match="not marked complete") as info:
        ResultSet.load(out)
    assert "complete = false" in str(info.value) and str(out) in str(info.value)


@pytest.mark.parametrize("missing", ["states.parquet", "system.parquet", "events.parquet"])
def test_load_missing_table(tmp_path, missing):
    out = write_fake(tmp_path / "run")
    (out / missing).unlink()
    with pytest.raises(ResultError) as info:
        ResultSet.load(out)
    assert str(out) in str(info.value) and missing in str(info.value)


def test_load_corrupt_manifest(tmp_path):
    out = write_fake(tmp_path / "run")
    (out / "manifest.json").write_text("{not json")
    with pytest.raises(ResultError, match="manifest.json") as info:
        ResultSet.load(out)
    assert "not JSON" in str(info.value) and "line 1, column 2" in str(info.value)


@pytest.mark.parametrize(
    "content, needle",
    [
        (b"", "not JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[1, 2]", "expected a JSON object of run metadata, got list"),
        (b'"complete"', "expected a JSON object of run metadata, got str"),
        (b"[" * 100_000, "manifest.json"),  # deeply nested: no RecursionError escapes
    ],
)
def test_load_manifest_that_is_not_a_manifest(tmp_path, content, needle):
    out = write_fake(tmp_path / "run")
    (out / "manifest.json").write_bytes(content)
    with pytest.raises(ResultError) as info:
        ResultSet.load(out)
    assert needle in str(info.value) and str(out / "manifest.json") in str(info.value)


@pytest.mark.parametrize("complete", [False, None, "yes", 1])
def test_load_manifest_not_complete(tmp_path, complete):
    out = write_fake(tmp_path / "run")
    m = json.loads((out / "manifest.json").read_text())
    m["complete"] = complete
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ResultError, match="not marked complete"):
        ResultSet.load(out)


def test_load_manifest_from_a_newer_format(tmp_path):
    out = write_fake(tmp_path / "run")
    m = json.loads((out / "manifest.json").read_text())
    assert m["format"] == "neorealism-results/1"
    m["format"] = "neorealism-results/2"
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ResultError) as info:
        ResultSet.load(out)
    msg = str(info.value)
    assert "'neorealism-results/2'" in msg and "newer neorealism" in msg and "upgrade" in msg
    assert neorealism.__version__ in msg and "'neorealism-results/1'" in msg


@pytest.mark.parametrize("fmt", [None, "", "other-tool/1", "neorealism-results/x", 1])
def test_load_manifest_of_unknown_format(tmp_path, fmt):
    out = write_fake(tmp_path / "run")
    m = json.loads((out / "manifest.json").read_text())
    if fmt is None:
        del m["format"]
    else:
        m["format"] = fmt
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ResultError, match="is not a neorealism result format"):
        ResultSet.load(out)


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("keep", [0.5, 0.0, 0.99])
def test_load_truncated_table(tmp_path, table, keep):
    out = write_fake(tmp_path / "run")
    f = out / f"{table}.parquet"
    data = f.read_bytes()
    f.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ResultError) as info:
        ResultSet.load(out)
    msg = str(info.value)
    assert f"corrupt result in {out}: {table}.parquet is not a readable Parquet file" in msg


def test_load_table_swapped_for_another(tmp_path):
    out = write_fake(tmp_path / "run")
    (out / "states.parquet").write_bytes((out / "system.parquet").read_bytes())
    with pytest.raises(ResultError) as info:
        ResultSet.load(out)
    assert "states.parquet has columns" in str(info.value) and "'n_alive'" in str(info.value)


def test_load_table_with_other_rows_than_the_manifest(tmp_path):
    out = write_fake(tmp_path / "run")
    other = write_fake(tmp_path / "other", chunks=((0, 1),))
    (out / "events.parquet").write_bytes((other / "events.parquet").read_bytes())
    with pytest.raises(ResultError) as info:
        ResultSet.load(out)
    assert "events.parquet has 1 rows but manifest.json records 5" in str(info.value)


def test_read_of_damaged_data_pages_is_a_result_error(tmp_path):
    out = write_fake(tmp_path / "run")
    f = out / "states.parquet"
    data = bytearray(f.read_bytes())
    data[4:200] = bytes(196)  # zero the first data pages; the footer stays intact
    f.write_bytes(bytes(data))
    rs = ResultSet.load(out)  # the footer is fine
    with pytest.raises(ResultError, match="corrupt result .* cannot read states.parquet"):
        rs.read("states")


def test_read_unknown_column_is_named(tmp_path):
    rs = ResultSet.load(write_fake(tmp_path / "run"))
    with pytest.raises(KeyError, match="armies"):
        rs.read("states", columns=["world", "armies"])


def test_run_differences():
    scen = {"name": "s", "worlds": 5, "years": 3, "seed": 7, "states": [{"name": "A", "military": 1.0}],
            "params": {"war": {"cost": 0.15}}}
    base = {"scenario": scen, "seed": 7, "worlds": 5, "years": 3, "states_recorded": "all",
            "version": "0.1.0", "format": "neorealism-results/1"}
    assert run_differences(base, dict(base, chunk_size=3, created="x")) == []
    other_scen = {**scen, "worlds": 50, "states": [{"name": "A", "military": 2.0}], "params": {"war": {"cost": 0.2}}}
    other = dict(base, scenario=other_scen, worlds=50, states_recorded="ends", version="0.2.0")
    assert run_differences(base, other) == [
        "worlds 5 vs 50",
        "--states all vs ends",
        "version 0.1.0 vs 0.2.0",
        "states[0].military 1.0 vs 2.0",
        "params.war.cost 0.15 vs 0.2",
    ]
    assert run_differences(base, other, limit=2) == ["worlds 5 vs 50", "--states all vs ends", "… 3 more"]


# --------------------------------------------------------------------------- duckdb


def test_query(tmp_path):
    rs = ResultSet.load(write_fake(tmp_path / "run"))
    df = rs.query("SELECT world, count(*) AS n FROM states GROUP BY world ORDER BY world")
    assert isinstance(df, pd.DataFrame)
    assert df["world"].tolist() == [0, 1, 2, 3, 4]
    assert df["n"].tolist() == [12] * 5
    joined = rs.query(
        """
        SELECT e.world, s.polarity FROM events e
        JOIN system s ON s.world = e.world AND s.year = e.year
        WHERE e.event = 'war_start' ORDER BY e.world
        """
    )
    assert len(joined) == 5 and set(joined["polarity"]) == {"bipolar"}
    assert rs.query("SELECT count(*) AS n FROM system WHERE world = ?", [3])["n"].iloc[0] == 4
    with rs:
        pass  # context manager closes the connection; a new query reopens it
    assert rs.query("SELECT 1 AS x")["x"].iloc[0] == 1


def test_query_path_with_quote(tmp_path):
    rs = ResultSet.load(write_fake(tmp_path / "it's here"))
    assert rs.query("SELECT count(*) AS n FROM events")["n"].iloc[0] == 5


# --------------------------------------------------------------------------- empty events


def test_empty_events_keep_schema(tmp_path):
    out = tmp_path / "quiet"
    with ResultWriter(out) as w:
        w.write_chunk(*fake_chunk(range(0, 2), events=False))
        w.write_chunk(*fake_chunk(range(2, 3), events=False)[:2], pd.DataFrame())  # bare empty frame
        w.close(MANIFEST)
    rs = ResultSet.load(out)
    assert pq.read_schema(out / "events.parquet").equals(EVENTS_SCHEMA, check_metadata=False)
    assert len(rs.events) == 0
    assert list(rs.events.columns) == EVENTS_SCHEMA.names
    assert rs.events["war_id"].dtype == np.int64 and rs.events["losses"].dtype == np.float64
    assert rs.query("SELECT count(*) AS n FROM events")["n"].iloc[0] == 0
    assert rs.manifest["rows"]["events"] == 0
    s = rs.summary()
    assert s["wars_started"] == 0 and s["deaths"] == 0


def test_close_without_chunks_writes_empty_tables(tmp_path):
    with ResultWriter(tmp_path / "none") as w:
        w.close(MANIFEST)
    rs = ResultSet.load(tmp_path / "none")
    for t in TABLES:
        assert len(getattr(rs, t)) == 0 and list(getattr(rs, t).columns) == SCHEMAS[t].names
    assert rs.summary()["worlds"] == 0


# --------------------------------------------------------------------------- summary


def test_summary(tmp_path):
    rs = ResultSet.load(write_fake(tmp_path / "run"))
    s = rs.summary()
    assert s["worlds"] == 5 and s["years"] == (1900, 1903)
    assert [row["year"] for row in s["polarity"]][0] == 1900 and s["polarity"][-1]["year"] == 1903
    assert all(row["bipolar"] == 1.0 and row["unipolar"] == 0.0 for row in s["polarity"])
    assert s["wars_started"] == 5
    assert s["wars_per_world_century"] == pytest.approx(5 / 5 / 0.03)
    assert s["deaths"] == 0
    first = rs.states[rs.states.year == 1900]
    assert s["gp_initial"] == int(first["great_power"].sum())
    assert s["gp_survival"] == 1.0
    sys_first = rs.system[rs.system.year == 1900]
    assert s["con"][0] == pytest.approx(sys_first["con"].mean())
    assert s["hhi"][1] == pytest.approx(rs.system[rs.system.year == 1903]["hhi"].mean())


def test_summary_counts_great_powers_that_died_or_lost_the_status(tmp_path):
    states, system, events = fake_chunk(range(4))
    last = states.year == states.year.max()
    first_gp = states[(states.year == 1900) & states.great_power][["world", "state"]]
    assert len(first_gp) >= 3
    # of the initial great powers: the first dies, the second survives as a minor state
    (w0, s0), (w1, s1) = first_gp.iloc[0], first_gp.iloc[1]
    states.loc[last & (states.world == w0) & (states.state == s0), ["alive", "great_power"]] = False
    states.loc[last & (states.world == w1) & (states.state == s1), "great_power"] = False
    # keep every other initial great power a great power at the end
    for w, s in first_gp.iloc[2:].itertuples(index=False):
        states.loc[last & (states.world == w) & (states.state == s), ["alive", "great_power"]] = True
    with ResultWriter(tmp_path / "r") as wr:
        wr.write_chunk(states, system, events)
        wr.close(MANIFEST)
    s = ResultSet.load(tmp_path / "r").summary()
    n = len(first_gp)
    assert (s["gp_initial"], s["gp_alive"], s["gp_still"]) == (n, n - 1, n - 2)
    assert s["gp_survival"] == pytest.approx((n - 1) / n) and s["gp_retained"] == pytest.approx((n - 2) / n)


def test_identity_labels_cover_the_run_identity():
    from neorealism.results import IDENTITY_LABELS, run_identity

    assert list(IDENTITY_LABELS) == list(run_identity({}))

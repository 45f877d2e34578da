"""ResultWriter / ResultSet / ChunkStore: round trip, checksums, lock, atomic publication, overwrite, resume, DuckDB."""

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
    return _complete("states", states), _complete("system", system), _complete("events", ev)


def _complete(table, df):
    """Add the registry's other columns (mechanisms' measures and event fields) as empty values."""
    import pyarrow as pa

    for f in SCHEMAS[table]:
        if f.name in df.columns:
            continue
        if pa.types.is_floating(f.type):
            df[f.name] = np.full(len(df), np.nan)
        elif pa.types.is_integer(f.type):
            df[f.name] = np.zeros(len(df), dtype=f.type.to_pandas_dtype())
        elif pa.types.is_boolean(f.type):
            df[f.name] = np.zeros(len(df), dtype=bool)
        else:
            df[f.name] = [""] * len(df)
    return df[SCHEMAS[table].names]


MANIFEST = {"scenario": {"name": "fake"}, "seed": 7, "worlds": 5, "years": 3}


def write_fake(path, chunks=((0, 2), (2, 5)), **kw):
    with ResultWriter(path, **kw) as w:
        for lo, hi in chunks:
            w.write_chunk(*fake_chunk(range(lo, hi)))
        w.close(MANIFEST)
    return path


def leftovers(path) -> list[str]:
    return sorted(os.listdir(path)) if path.exists() else []


def chunk_file(out, table: str, chunk: int = 0):
    """The file of ``table``'s chunk ``chunk`` as the manifest lists it."""
    m = json.loads((out / "manifest.json").read_text())
    return out / m["chunks"][chunk]["files"][table]["path"]


def snapshot(out) -> dict[str, bytes]:
    """Every file under ``out`` (relative path → bytes)."""
    return {str(f.relative_to(out)): f.read_bytes() for f in sorted(out.rglob("*")) if f.is_file()}


def result_layout(out) -> list[str]:
    """The names in a published result: the manifest and one generation folder (nothing hidden)."""
    names = sorted(os.listdir(out))
    gens = [n for n in names if n.startswith("data-")]
    assert len(gens) == 1, names
    return [n if not n.startswith("data-") else "data-*" for n in names]


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
    assert result_layout(out) == ["data-*", *RESULT_FILES]
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
        for f in rs.files(table):
            assert pq.read_schema(f).equals(SCHEMAS[table], check_metadata=False)
        assert [f.name for f in rs.files(table)] == [f"{table}-000000.parquet", f"{table}-000001.parquet"]


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
    assert [c["worlds"] for c in rs.manifest["chunks"]] == [[0, 2], [2, 4], [4, 5]]
    assert rs.system["world"].nunique() == 5


# --------------------------------------------------------------------------- atomicity


class Boom(RuntimeError):
    pass


def test_exception_midway_leaves_nothing(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(Boom), ResultWriter(out) as w:
        w.write_chunk(*fake_chunk(range(0, 2)))
        assert w.temp_files() == []  # each finished chunk is a whole file already
        assert len(list((out / w.generation).iterdir())) == 3
        assert not (out / "manifest.json").exists()
        with pytest.raises(ResultError, match="missing manifest.json .the run did not finish"):
            ResultSet.load(out)
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
        if len(calls) == 5:  # chunk 0 (3 files) and its journal written, chunk 1's states fails
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky_replace)
    with pytest.raises(ResultError, match=f"cannot write results to {out}: No space left on device$"), \
            ResultWriter(out) as w:
        w.write_chunk(*fake_chunk(range(0, 2)))
        w.write_chunk(*fake_chunk(range(2, 3)))
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
    assert sorted(order[:-1]) == sorted(
        [f"{t}-00000{i}.parquet" for t in TABLES for i in (0, 1)] + ["journal.json"] * 2
    )


# --------------------------------------------------------------------------- overwrite


def test_refuses_to_overwrite_previous_result(tmp_path):
    out = write_fake(tmp_path / "run")
    before = snapshot(out)
    with pytest.raises(ResultError) as info:
        ResultWriter(out)
    assert isinstance(info.value, NeorealismError)
    assert str(out) in str(info.value) and "overwrite" in str(info.value)
    assert snapshot(out) == before


def test_overwrite_replaces_result(tmp_path):
    out = write_fake(tmp_path / "run")
    write_fake(out, chunks=((0, 1),), overwrite=True)
    rs = ResultSet.load(out)
    assert rs.system["world"].unique().tolist() == [0]
    assert result_layout(out) == ["data-*", *RESULT_FILES]  # the old generation is gone


def test_failed_overwrite_keeps_old_result(tmp_path):
    out = write_fake(tmp_path / "run")
    with pytest.raises(Boom), ResultWriter(out, overwrite=True) as w:
        w.write_chunk(*fake_chunk(range(0, 1)))
        raise Boom
    rs = ResultSet.load(out)
    assert rs.system["world"].nunique() == 5
    assert result_layout(out) == ["data-*", *RESULT_FILES]


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


@pytest.mark.parametrize("missing", TABLES)
def test_load_missing_table(tmp_path, missing):
    out = write_fake(tmp_path / "run")
    f = chunk_file(out, missing, 1)
    f.unlink()
    with pytest.raises(ResultError) as info:
        ResultSet.load(out)
    assert str(out) in str(info.value) and f"missing {f.relative_to(out)}" in str(info.value)


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
    assert m["format"] == "neorealism-results/2"
    m["format"] = "neorealism-results/3"
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ResultError) as info:
        ResultSet.load(out)
    msg = str(info.value)
    assert "'neorealism-results/3'" in msg and "newer neorealism" in msg and "upgrade" in msg
    assert neorealism.__version__ in msg and "'neorealism-results/2'" in msg


def test_load_manifest_of_the_unchecksummed_format_1(tmp_path):
    out = write_fake(tmp_path / "run")
    m = json.loads((out / "manifest.json").read_text())
    m["format"] = "neorealism-results/1"
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(ResultError, match="older than 'neorealism-results/2'.*--overwrite"):
        ResultSet.load(out)


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
    f = chunk_file(out, table, 0)
    data = f.read_bytes()
    f.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ResultError) as info:
        ResultSet.load(out)
    msg = str(info.value)
    assert f"corrupt result in {out}: {f.relative_to(out)} has {int(len(data) * keep)} bytes but manifest.json records {len(data)}" in msg


def test_load_table_swapped_for_another(tmp_path):
    out = write_fake(tmp_path / "run")
    chunk_file(out, "states").write_bytes(chunk_file(out, "system").read_bytes())
    with pytest.raises(ResultError, match=r"states-000000\.parquet has \d+ bytes but manifest.json records"):
        ResultSet.load(out)


def test_load_table_with_other_rows_than_the_manifest(tmp_path):
    out = write_fake(tmp_path / "run")
    other = write_fake(tmp_path / "other", chunks=((0, 1),))
    chunk_file(out, "events", 1).write_bytes(chunk_file(other, "events").read_bytes())
    with pytest.raises(ResultError, match=r"corrupt result .*events-000001\.parquet has \d+ bytes"):
        ResultSet.load(out)


@pytest.mark.parametrize("table", TABLES)
def test_one_flipped_bit_is_refused_naming_the_file(tmp_path, table):
    out = write_fake(tmp_path / "run")
    f = chunk_file(out, table, 1)
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0x10  # same size, one bit changed
    f.write_bytes(bytes(data))
    with pytest.raises(ResultError) as info:
        ResultSet.load(out)
    msg = str(info.value)
    assert f"{f.relative_to(out)} does not match its sha256" in msg and str(out) in msg and "\n" not in msg


def test_chunk_swapped_in_from_another_seed_with_the_same_rows_is_refused(tmp_path):
    out = write_fake(tmp_path / "run")
    # the same worlds (so the same row count) with other numbers: another seed's chunk
    s2, y2, e2 = fake_chunk(range(0, 2))
    s2["military"] = s2["military"] + 1.0
    other = tmp_path / "other"
    with ResultWriter(other) as w:
        w.write_chunk(s2, y2, e2)
        w.close(MANIFEST)
    src, dst = chunk_file(other, "states"), chunk_file(out, "states")
    assert pq.ParquetFile(src).metadata.num_rows == pq.ParquetFile(dst).metadata.num_rows
    dst.write_bytes(src.read_bytes())
    with pytest.raises(ResultError, match=r"corrupt result .*states-000000\.parquet"):
        ResultSet.load(out)
    with pytest.raises(ResultError, match="cannot be re-used"):
        from neorealism.api import previous_identical_run

        previous_identical_run(out, ResultSet.load(other).manifest)


def test_unlisted_extra_chunk_file_is_not_read(tmp_path):
    out = write_fake(tmp_path / "run")
    before = ResultSet.load(out).system
    extra = chunk_file(out, "system", 0).with_name("system-000002.parquet")
    extra.write_bytes(chunk_file(out, "system", 0).read_bytes())
    rs = ResultSet.load(out)
    assert extra not in rs.files("system")
    pd.testing.assert_frame_equal(rs.system, before)
    assert rs.query("SELECT count(*) AS n FROM system")["n"].iloc[0] == len(before)


def test_read_of_damaged_data_pages_is_a_result_error(tmp_path):
    out = write_fake(tmp_path / "run")
    f = chunk_file(out, "states")
    data = bytearray(f.read_bytes())
    data[4:200] = bytes(196)  # zero the first data pages; the footer stays intact
    f.write_bytes(bytes(data))
    with pytest.raises(ResultError, match=r"states-000000\.parquet does not match its sha256"):
        ResultSet.load(out)
    rs = ResultSet.load(out, verify=False)  # presence and manifest only
    with pytest.raises(ResultError, match=r"corrupt result .* cannot read data-.*/states-000000\.parquet"):
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
    assert all(pq.read_schema(f).equals(EVENTS_SCHEMA, check_metadata=False) for f in rs.files("events"))
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


# --------------------------------------------------------------------------- the lock


def test_lock_refuses_a_second_writer_in_the_same_process(tmp_path):
    out = tmp_path / "run"
    w = ResultWriter(out)
    w.write_chunk(*fake_chunk(range(0, 2)))
    with pytest.raises(ResultError) as info:
        ResultWriter(out, overwrite=True)  # a second open file description: flock conflicts
    msg = str(info.value)
    assert msg.startswith(f"{out} is being written by another neorealism run (process {os.getpid()})")
    assert "\n" not in msg
    w.write_chunk(*fake_chunk(range(2, 5)))  # the first writer is unharmed
    w.close(MANIFEST)
    assert ResultSet.load(out).rows["system"] == 20
    assert not (out / ".lock").exists()
    write_fake(out, overwrite=True)  # released: the next writer gets it


def test_lock_refuses_a_writer_in_another_process_and_is_freed_when_it_dies(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from neorealism.results import StoreLock; "
         "StoreLock.acquire(sys.argv[1]); print('locked', flush=True); time.sleep(60)", str(out)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ResultError, match=f"process {holder.pid}"):
            ResultWriter(out)
    finally:
        holder.kill()
        holder.wait()
    write_fake(out)  # the OS released the dead holder's lock (its lock file is left, and harmless)
    assert ResultSet.load(out).rows["system"] == 20


def test_concurrent_different_runs_cannot_mix(tmp_path):
    """The re-use / different-run check and the publication happen under one lock."""
    from neorealism import api
    from neorealism.results import StoreLock

    out = tmp_path / "run"
    with StoreLock.acquire(out):
        with pytest.raises(ResultError, match="being written by another neorealism run"):
            api.run_to_dir("bipolar", out, worlds=2, years=3, seed=1)
    assert not out.exists()  # the lock made the folder and removed it again


@pytest.mark.parametrize("at", ["flock", "pwrite"])
def test_an_interrupt_while_locking_leaves_no_lock_file_and_no_new_folder(tmp_path, monkeypatch, at):
    """A signal (here a KeyboardInterrupt, as SIGINT/SIGTERM raise) between creating ``.lock`` and
    handing the lock over removes both again: nothing is left for the next run to trip on."""
    import fcntl

    from neorealism.results import StoreLock

    out = tmp_path / "new" / "run"
    real = getattr(fcntl if at == "flock" else os, at)
    calls = []

    def interrupt(*a, **k):  # a signal arrives once: the first call is interrupted, later ones run
        calls.append(a)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(fcntl if at == "flock" else os, at, interrupt)
    with pytest.raises(KeyboardInterrupt):
        StoreLock.acquire(out)
    assert not out.exists()
    monkeypatch.undo()
    (out).mkdir(parents=True)  # a folder that was there already is kept, without the lock file
    calls.clear()
    real = os.pwrite
    monkeypatch.setattr(os, "pwrite", interrupt)
    with pytest.raises(KeyboardInterrupt):
        StoreLock.acquire(out)
    assert out.is_dir() and os.listdir(out) == []
    monkeypatch.undo()
    with StoreLock.acquire(out) as lock:  # and the next writer locks it as usual
        assert lock.held


def test_an_interrupt_while_locking_never_removes_another_writers_lock(tmp_path, monkeypatch):
    """Interrupted after opening ``.lock`` but before locking it, a writer leaves the lock file of the
    run that holds it alone (that run's lock stays effective for a third writer)."""
    import fcntl

    from neorealism.results import StoreLock

    out = tmp_path / "run"
    with StoreLock.acquire(out):
        real = fcntl.flock
        calls = []

        def interrupt_once(*a, **k):  # the clean-up's own try to lock the file then finds it held
            calls.append(a)
            if len(calls) == 1:
                raise KeyboardInterrupt
            return real(*a, **k)

        monkeypatch.setattr(fcntl, "flock", interrupt_once)
        with pytest.raises(KeyboardInterrupt):
            StoreLock.acquire(out)
        assert len(calls) == 2
        monkeypatch.undo()
        assert (out / ".lock").exists()
        with pytest.raises(ResultError, match="being written by another neorealism run"):
            StoreLock.acquire(out)
    assert not out.exists()


# --------------------------------------------------------------------------- overwrite is one atomic step


def test_overwrite_keeps_the_old_result_loadable_until_publication(tmp_path, monkeypatch):
    from neorealism import results

    out = write_fake(tmp_path / "run")
    before_files = snapshot(out)
    before = ResultSet.load(out).system

    def crash(path):
        # every new chunk is in place; the old result is still published and whole
        rs = ResultSet.load(path)
        pd.testing.assert_frame_equal(rs.system, before)
        raise Boom

    monkeypatch.setattr(results, "_before_publish", crash)
    with pytest.raises(Boom), ResultWriter(out, overwrite=True) as w:
        w.write_chunk(*fake_chunk(range(0, 1)))
        w.close(MANIFEST)
    pd.testing.assert_frame_equal(ResultSet.load(out).system, before)
    assert snapshot(out) == before_files  # the new generation is gone, the old one untouched


# --------------------------------------------------------------------------- clean-up of dead writers


def test_leftovers_of_dead_writers_are_removed_by_the_next_writer(tmp_path):
    out = write_fake(tmp_path / "run")
    gen = chunk_file(out, "states").parent
    junk = [
        out / ".states.parquet.tmp-99999-deadbeef",       # the old layout's temp file
        out / ".manifest.json.tmp-99999-deadbeef",
        gen / ".system-000001.parquet.tmp-99999-cafe",    # a chunk being written
        gen / "states-000007.parquet",                     # a chunk no manifest or journal lists
        out / "data-20200101T000000-dead" / "states-000000.parquet",  # a stale generation
        out / ".partial" / "0123456789abcdef" / "journal.json",        # a stale partial of another run
    ]
    for f in junk:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"partial")
    keep = snapshot(out)
    keep = {k: v for k, v in keep.items() if not any(str(j.relative_to(out)) == k for j in junk)}
    write_fake(out, overwrite=True)
    after = sorted(str(f.relative_to(out)) for f in out.rglob("*"))
    assert not [j for j in junk if j.exists()]
    assert not (out / ".partial").exists() and not (out / "data-20200101T000000-dead").exists()
    assert result_layout(out) == ["data-*", *RESULT_FILES]
    assert len(after) == 1 + 1 + 2 * 3  # manifest, generation folder, its 6 chunk files
    assert ResultSet.load(out).rows["system"] == 20


def test_failed_run_into_a_new_directory_leaves_no_folder(tmp_path):
    out = tmp_path / "new" / "run"
    with pytest.raises(Boom), ResultWriter(out):
        raise Boom
    assert not out.exists()


# --------------------------------------------------------------------------- resume


def _counting_engine(monkeypatch, fail_at=None):
    """Count the engine's batches (by their first world); raise in the batch starting at world ``fail_at``."""
    from neorealism import engine

    calls: list[int] = []
    real = engine.run_batch

    def run_batch(scenario, ids, *a, **kw):
        calls.append(int(ids[0]))
        if fail_at is not None and int(ids[0]) == fail_at:
            raise Boom
        return real(scenario, ids, *a, **kw)

    monkeypatch.setattr(engine, "run_batch", run_batch)
    return calls


def _tables(path):
    rs = ResultSet.load(path)
    return {t: getattr(rs, t) for t in TABLES}


def test_killed_run_resumes_from_its_finished_chunks(tmp_path, monkeypatch):
    from neorealism import api

    kw = dict(worlds=10, years=6, seed=4, chunk_size=3)
    whole = api.run_to_dir("multipolar", tmp_path / "whole", **kw)
    out = tmp_path / "run"
    calls = _counting_engine(monkeypatch, fail_at=6)  # chunk 2 (worlds 6–8) fails
    with pytest.raises(Boom):
        api.run_to_dir("multipolar", out, **kw)
    assert calls == [0, 3, 6]
    with pytest.raises(ResultError, match="missing manifest.json"):
        ResultSet.load(out)
    journals = list((out / ".partial").glob("*/journal.json"))
    assert len(journals) == 1 and [c["worlds"] for c in json.loads(journals[0].read_text())["chunks"]] == [[0, 3], [3, 6]]

    calls.clear()
    monkeypatch.undo()
    calls = _counting_engine(monkeypatch)
    # another --chunk-size on the re-run: the journal's chunking is kept
    done = api.run_to_dir("multipolar", out, **{**kw, "chunk_size": 5})
    assert calls == [6, 9], "the finished chunks (worlds 0–5) were not recomputed"
    assert done.chunk_size == 3 and not done.reused
    assert [c["worlds"] for c in ResultSet.load(out).manifest["chunks"]] == [[0, 3], [3, 6], [6, 9], [9, 10]]
    a, b = _tables(whole.path), _tables(out)
    for t in TABLES:
        pd.testing.assert_frame_equal(a[t], b[t], check_exact=True)
    assert result_layout(out) == ["data-*", *RESULT_FILES]


def test_resume_recomputes_a_damaged_finished_chunk(tmp_path, monkeypatch):
    from neorealism import api

    kw = dict(worlds=6, years=4, seed=2, chunk_size=2)
    _counting_engine(monkeypatch, fail_at=4)
    with pytest.raises(Boom):
        api.run_to_dir("bipolar", tmp_path / "run", **kw)
    gen = next((tmp_path / "run").glob("data-*"))
    f = gen / "system-000001.parquet"
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 1
    f.write_bytes(bytes(data))
    monkeypatch.undo()
    calls = _counting_engine(monkeypatch)
    api.run_to_dir("bipolar", tmp_path / "run", **kw)
    assert calls == [2, 4]  # chunk 1 was damaged: computed again; chunk 0 kept
    whole = api.run_to_dir("bipolar", tmp_path / "whole", **kw)
    a, b = _tables(whole.path), _tables(tmp_path / "run")
    for t in TABLES:
        pd.testing.assert_frame_equal(a[t], b[t], check_exact=True)


def test_a_different_run_discards_an_interrupted_one(tmp_path, monkeypatch):
    from neorealism import api

    _counting_engine(monkeypatch, fail_at=2)
    with pytest.raises(Boom):
        api.run_to_dir("bipolar", tmp_path / "run", worlds=4, years=3, seed=1, chunk_size=2)
    monkeypatch.undo()
    calls = _counting_engine(monkeypatch)
    api.run_to_dir("bipolar", tmp_path / "run", worlds=4, years=3, seed=2, chunk_size=2)
    assert calls == [0, 2]
    assert ResultSet.load(tmp_path / "run").manifest["seed"] == 2
    assert result_layout(tmp_path / "run") == ["data-*", *RESULT_FILES]


def test_overwrite_of_a_format_1_result_removes_its_tables(tmp_path):
    out = tmp_path / "old"
    out.mkdir()
    for t in TABLES:
        (out / f"{t}.parquet").write_bytes(b"old table")
    (out / "manifest.json").write_text(json.dumps(
        {**MANIFEST, "format": "neorealism-results/1", "complete": True, "files": {t: f"{t}.parquet" for t in TABLES}}
    ))
    with pytest.raises(ResultError, match="already holds a result"):
        ResultWriter(out)
    write_fake(out, overwrite=True)
    assert result_layout(out) == ["data-*", *RESULT_FILES]
    assert ResultSet.load(out).rows["system"] == 20

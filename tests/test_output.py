"""Atomic output: a failed write leaves neither a final file nor a temporary one."""

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from neorealism.errors import ParameterError
from neorealism.output import atomic_write_csv, atomic_write_text, save_figure


def test_text_csv_and_figure_are_written(tmp_path):
    assert atomic_write_text(tmp_path / "a.txt", "hé\n").read_text(encoding="utf-8") == "hé\n"
    p = atomic_write_csv(tmp_path / "t.csv", pd.DataFrame({"x": [1, 2]}))
    assert p.read_text() == "x\n1\n2\n"
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    png = save_figure(fig, tmp_path / "sub" / "f.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(f.name for f in tmp_path.rglob("*")) == ["a.txt", "f.png", "sub", "t.csv"]


def test_failed_write_leaves_nothing(tmp_path):
    class Boom(pd.DataFrame):
        def to_csv(self, *a, **k):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic_write_csv(tmp_path / "t.csv", Boom({"x": [1]}))
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_overwrite_when_asked(tmp_path):
    f = atomic_write_text(tmp_path / "a.yaml", "one")
    with pytest.raises(ParameterError, match="--overwrite"):
        atomic_write_text(f, "two", overwrite=False)
    assert f.read_text() == "one"
    assert list(tmp_path.iterdir()) == [f]


def test_directory_as_target_is_a_user_error(tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(ParameterError, match="is a directory"):
        atomic_write_text(tmp_path / "out", "x")
    assert list((tmp_path / "out").iterdir()) == []


def test_file_in_the_way_of_the_folder_is_a_user_error(tmp_path):
    (tmp_path / "notes").write_text("keep")
    with pytest.raises(ParameterError, match="notes is a file, not a directory"):
        atomic_write_csv(tmp_path / "notes" / "sub" / "t.csv", pd.DataFrame({"x": [1]}))
    assert (tmp_path / "notes").read_text() == "keep"
    assert sorted(f.name for f in tmp_path.iterdir()) == ["notes"]


def test_file_set_is_replaced_all_or_nothing(tmp_path):
    from neorealism.output import atomic_file_set

    d = tmp_path / "out"
    with atomic_file_set(d, ["a.txt", "b.csv"]) as staged:
        assert all(p.parent == d and p.name.startswith(".") for p in staged.values())
        atomic_write_text(staged["a.txt"], "A1")
        atomic_write_csv(staged["b.csv"], pd.DataFrame({"x": [1]}))
        assert not (d / "a.txt").exists()  # nothing carries its name before the whole set is written
    assert (d / "a.txt").read_text() == "A1" and (d / "b.csv").read_text() == "x\n1\n"
    (d / "foreign.txt").write_text("keep")
    with pytest.raises(RuntimeError, match="boom"), atomic_file_set(d, ["a.txt", "b.csv"]) as staged:
        atomic_write_text(staged["a.txt"], "A2")
        raise RuntimeError("boom")
    assert (d / "a.txt").read_text() == "A1"  # the earlier set is untouched
    with pytest.raises(RuntimeError, match=r"nothing written for b\.csv"), atomic_file_set(d, ["a.txt", "b.csv"]) as staged:
        atomic_write_text(staged["a.txt"], "A3")  # a file left unwritten must not replace the earlier one
    assert (d / "a.txt").read_text() == "A1"
    assert sorted(p.name for p in d.iterdir()) == ["a.txt", "b.csv", "foreign.txt"]
    with pytest.raises(ParameterError, match="already holds a.txt"), atomic_file_set(d, ["a.txt"], overwrite=False):
        pass
    f = tmp_path / "afile"
    f.write_text("x")
    for bad in (f, f / "sub"):
        with pytest.raises(ParameterError, match="is a file, not a folder"), atomic_file_set(bad, ["a.txt"]):
            pass
    assert f.read_text() == "x"


def test_written_files_get_the_permissions_of_any_new_file(tmp_path):
    import os
    import stat

    from neorealism.output import atomic_file_set, atomic_write_text

    old = os.umask(0o022)
    try:
        p = atomic_write_text(tmp_path / "a.txt", "x\n")
        with atomic_file_set(tmp_path / "set", ["b.csv"]) as staged:
            staged["b.csv"].write_text("y\n")
    finally:
        os.umask(old)
    for f in (p, tmp_path / "set" / "b.csv"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o644, f  # not mkstemp's private 0600

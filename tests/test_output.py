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

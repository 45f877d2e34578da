"""The dashboard's ready-made comparisons (lessons.yaml): each names real scenarios and valid parameter changes,
and each pair of runs differs in what its claim is about."""

from __future__ import annotations

import pytest

from neorealism import api
from neorealism.dashboard import views
from neorealism.scenario import builtin_names

LESSONS = views.lessons_view()["lessons"]


def test_there_are_lessons_with_sources():
    assert len(LESSONS) >= 4
    assert len({x["name"] for x in LESSONS}) == len(LESSONS)
    for x in LESSONS:
        assert any(ch.isdigit() for ch in x["source"]), x["name"]  # an author and a year


@pytest.mark.parametrize("lesson", LESSONS, ids=[x["name"] for x in LESSONS])
def test_each_side_is_a_valid_run_and_the_sides_differ(lesson):
    made = []
    for side in (lesson["a"], lesson["b"]):
        assert side["scenario"] in builtin_names()
        made.append(api.with_overrides(side["scenario"], side["params"]))  # raises on a bad path or value
    a, b = made
    assert a.model_dump() != b.model_dump()


def test_a_bad_lesson_file_is_refused(monkeypatch):
    import pydantic

    good = views.lessons_view()
    assert good["lessons"]
    bad = "- {name: x, title: t, claim: c, source: s 1, watch: w, a: {label: a, scenario: bipolar}, b: {label: b, scenario: bipolar}, extra: 1}\n"

    class Fake:
        def __truediv__(self, _):
            return self

        def read_text(self, encoding="utf-8"):
            return bad

    import importlib.resources as r

    monkeypatch.setattr(r, "files", lambda _pkg: Fake())
    with pytest.raises(pydantic.ValidationError):
        views.lessons_view()

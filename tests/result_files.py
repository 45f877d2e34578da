"""Helpers for tests that look inside a result directory (shared by the API and CLI tests)."""

from __future__ import annotations

import json
import os


def snapshot(out) -> dict[str, bytes]:
    """Every file under a result directory (relative path → bytes)."""
    return {str(f.relative_to(out)): f.read_bytes() for f in sorted(out.rglob("*")) if f.is_file()}


def result_names(out) -> list[str]:
    """The top-level names of a published result: its manifest and one generation folder, nothing hidden."""
    return sorted("data-*" if n.startswith("data-") else n for n in os.listdir(out))


def chunk_file(out, table: str, chunk: int = 0):
    m = json.loads((out / "manifest.json").read_text())
    return out / m["chunks"][chunk]["files"][table]["path"]

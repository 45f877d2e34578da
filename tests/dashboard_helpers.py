"""Helpers shared by the dashboard's tests (API, load and browser tests).

- :func:`live_server` — the real dashboard (``create_app`` under uvicorn) on a
  free loopback port in a background thread, for as long as a ``with`` block
  lasts::

      with live_server(limits=None) as url:          # "http://127.0.0.1:54321"
          httpx.get(url + "/api/health")

- :func:`wait_for` — poll a job's status route until it is finished, with a
  bounded wait (fails the test with the last status seen, never hangs).
- :data:`FINISHED` — the statuses a job ends in.

Nothing here depends on pytest beyond ``pytest.fail``; the server is
stopped (and its jobs cancelled, through the app's lifespan) when the block
ends, even when it ends by an exception.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

FINISHED = ("done", "failed", "cancelled")
#: Longest a test waits for a job to finish (seconds).
JOB_TIMEOUT = 60.0


@contextlib.contextmanager
def live_server(limits: Any = None, *, host: str = "127.0.0.1", startup_timeout: float = 30.0,
                stop_timeout: float = 30.0) -> Iterator[str]:
    """Run the dashboard with uvicorn on a free port of ``host``; yield its base URL (no trailing slash).

    ``limits`` is a :class:`neorealism.dashboard.app.Limits` or None (the defaults).
    """
    import uvicorn

    from neorealism.dashboard.app import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(limits), log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    failure: list[BaseException] = []

    def target() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # noqa: BLE001 (reported to the test below)
            failure.append(exc)

    thread = threading.Thread(target=target, name=f"dashboard-live-server-{port}", daemon=True)
    thread.start()
    t0 = time.monotonic()
    while not server.started:
        if failure or not thread.is_alive():
            sock.close()
            pytest.fail(f"the dashboard server did not start: {failure[0] if failure else 'thread ended'!r}")
        if time.monotonic() - t0 > startup_timeout:
            server.should_exit = True
            sock.close()
            pytest.fail(f"the dashboard server did not start within {startup_timeout} s")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(stop_timeout)
        if thread.is_alive():  # pragma: no cover - a stuck server
            server.force_exit = True
            thread.join(5.0)
        sock.close()


def wait_for(client: Any, path: str, timeout: float = JOB_TIMEOUT, statuses: tuple[str, ...] = FINISHED,
              interval: float = 0.05) -> dict[str, Any]:
    """GET ``path`` (a run's or experiment's status) with ``client`` until its status is in ``statuses``.

    ``client`` is a FastAPI ``TestClient`` or an ``httpx.Client`` with a base URL.
    Fails the test (with the last status seen) after ``timeout`` seconds.
    """
    t0 = time.monotonic()
    last: Any = None
    while True:
        r = client.get(path)
        assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text[:300]}"
        last = r.json()
        if last.get("status") in statuses:
            return last
        if time.monotonic() - t0 > timeout:
            pytest.fail(f"GET {path}: still {last.get('status')!r} (progress {last.get('progress')}) after "
                        f"{timeout} s, waiting for one of {statuses}")
        time.sleep(interval)


def run_to_done(client: Any, body: dict[str, Any], timeout: float = JOB_TIMEOUT) -> dict[str, Any]:
    """POST ``body`` to /api/runs (expecting 202), wait until the run is finished; its final status (asserted done)."""
    r = client.post("/api/runs", json=body)
    assert r.status_code == 202, f"POST /api/runs {body}: {r.status_code} {r.text[:300]}"
    st = wait_for(client, f"/api/runs/{r.json()['id']}", timeout)
    assert st["status"] == "done", f"run {body} ended {st['status']}: {st.get('error')}"
    return st


def many_states_yaml(n: int, name: str = "many-states") -> str:
    """A valid scenario of ``n`` small, equal states in a row (to test the states limit)."""
    lines = [f"name: {name}", "years: 10", "worlds: 2", "states:"]
    for k in range(n):
        lines.append(f"- {{name: S{k}, military: 1, economy: 5, population: 5, resources: 1, technology: 1, "
                     f"position: [{k}.0, 0.0]}}")
    return "\n".join(lines) + "\n"


def bad_requests(max_worlds: int = 200, max_years: int = 500) -> list[tuple[str, str, str, dict[str, Any], int, str]]:
    """Bad requests of many kinds: ``(label, method, path, httpx keyword arguments, status, field)``.

    None of them needs a run to exist; ``max_worlds`` and ``max_years`` are the server's limits.
    """
    unknown_id = "0" * 32
    return [
        ("unknown scenario", "POST", "/api/runs", {"json": {"scenario": "no-such-scenario"}}, 404, "scenario"),
        ("scenario and yaml", "POST", "/api/runs", {"json": {"scenario": "bipolar", "yaml": "name: x"}}, 400,
         "scenario"),
        ("neither scenario nor yaml", "POST", "/api/runs", {"json": {"worlds": 2}}, 400, "scenario"),
        ("worlds 0", "POST", "/api/runs", {"json": {"scenario": "bipolar", "worlds": 0}}, 400, "worlds"),
        ("worlds above max", "POST", "/api/runs", {"json": {"scenario": "bipolar", "worlds": max_worlds + 1}}, 400,
         "worlds"),
        ("years above max", "POST", "/api/runs", {"json": {"scenario": "bipolar", "years": max_years + 1}}, 400,
         "years"),
        ("negative seed", "POST", "/api/runs", {"json": {"scenario": "bipolar", "seed": -1}}, 400, "seed"),
        ("unknown param", "POST", "/api/runs", {"json": {"scenario": "bipolar", "params": {"war.no_such": 1}}},
         400, "war.no_such"),
        ("param out of range", "POST", "/api/runs", {"json": {"scenario": "bipolar", "params": {"war.cost": 7.5}}},
         400, "war.cost"),
        ("string for worlds", "POST", "/api/runs", {"json": {"scenario": "bipolar", "worlds": "many"}}, 400,
         "worlds"),
        ("unknown body field", "POST", "/api/runs", {"json": {"scenario": "bipolar", "colour": "red"}}, 400,
         "colour"),
        ("invalid JSON", "POST", "/api/runs",
         {"content": b'{"scenario": "bipolar",', "headers": {"content-type": "application/json"}}, 400, "body"),
        ("unknown run id", "GET", f"/api/runs/{unknown_id}", {}, 404, "id"),
        ("unknown run id, world", "GET", f"/api/runs/{unknown_id}/world/0", {}, 404, "id"),
        ("unknown run id, cancel", "DELETE", f"/api/runs/{unknown_id}", {}, 404, "id"),
        ("unknown experiment id", "GET", f"/api/experiments/{unknown_id}", {}, 404, "id"),
        ("unknown experiment", "POST", "/api/experiments", {"json": {"name": "no-such-experiment"}}, 404, "name"),
        ("history year 1700", "POST", "/api/history/scenario", {"json": {"year": 1700}}, 400, "year"),
        ("unknown built-in scenario page", "GET", "/api/scenarios/no-such-scenario", {}, 404, "scenario"),
        ("no such route", "GET", "/api/no-such-route", {}, 404, "path"),
    ]

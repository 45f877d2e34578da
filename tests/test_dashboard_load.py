"""A load test of the dashboard on loopback: the real server under many concurrent requests.

The real application (``create_app`` under uvicorn, :func:`dashboard_helpers.live_server`)
listens on a free port of 127.0.0.1.  After one small run has finished, 8
threads — each with its own ``httpx.Client`` (keep-alive connection) — send
a fixed mix of requests until 2,000 have been sent or 20 s have passed,
whichever comes first:

- good ones, each expected to be 200: ``/api/health``, ``/api/scenarios``,
  ``/api/schema``, ``/api/history``, the finished run's ``/world/0`` and
  ``/distribution``;
- bad ones, each expected to get its own 4xx (the table of
  :func:`dashboard_helpers.bad_requests`: unknown scenario, values out of
  range, wrong types, invalid JSON, unknown ids …, none of which starts a run).

It prints the requests per second and the error counts (shown with
``pytest -s``; also attached to the test report with ``record_property``)
and asserts that every good request got 200, every bad one its expected
4xx, that no request got a 5xx or a connection error, and that the server
still answers (health, a new run) afterwards.
"""

from __future__ import annotations

import collections
import threading
import time

import httpx
import pytest
from dashboard_helpers import bad_requests, live_server, run_to_done

from neorealism.dashboard.app import Limits

MAX_REQUESTS = 2000
MAX_SECONDS = 20.0
CLIENTS = 8
#: How often each good route comes up in the mix, against one of each bad request.
GOOD_WEIGHT = 3


@pytest.mark.slow
def test_load_on_loopback(record_property):
    limits = Limits(max_worlds=100, max_years=200)
    with live_server(limits) as url:
        with httpx.Client(base_url=url, timeout=30) as c:
            run = run_to_done(c, {"scenario": "bipolar", "worlds": 4, "years": 30, "seed": 1})
        rid = run["id"]
        good = [("GET", p, {}, 200) for p in ("/api/health", "/api/scenarios", "/api/schema", "/api/history",
                                               f"/api/runs/{rid}/world/0", f"/api/runs/{rid}/distribution",
                                               f"/api/runs/{rid}")]
        bad = [(m, p, kw, status) for _, m, p, kw, status, _ in bad_requests(limits.max_worlds, limits.max_years)]
        mix = [("good", *g) for g in good] * GOOD_WEIGHT + [("bad", *b) for b in bad]

        lock = threading.Lock()
        next_index = [0]
        counts: collections.Counter[str] = collections.Counter()
        wrong: list[tuple[str, str, int, int]] = []
        conn_errors: list[str] = []
        latencies: list[float] = []
        t_end = time.monotonic() + MAX_SECONDS

        def take() -> int | None:
            with lock:
                if next_index[0] >= MAX_REQUESTS or time.monotonic() > t_end:
                    return None
                next_index[0] += 1
                return next_index[0] - 1

        def worker() -> None:
            with httpx.Client(base_url=url, timeout=30) as client:
                while (i := take()) is not None:
                    kind, method, path, kw, status = mix[i % len(mix)]
                    t0 = time.perf_counter()
                    try:
                        r = client.request(method, path, **kw)
                    except httpx.HTTPError as exc:
                        with lock:
                            conn_errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
                            counts["connection_error"] += 1
                        continue
                    dt = time.perf_counter() - t0
                    with lock:
                        latencies.append(dt)
                        counts[kind] += 1
                        if r.status_code >= 500:
                            counts["5xx"] += 1
                        if r.status_code != status:
                            counts[f"wrong_{kind}"] += 1
                            wrong.append((method, path, status, r.status_code))

        t0 = time.monotonic()
        threads = [threading.Thread(target=worker, name=f"load-{k}") for k in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(MAX_SECONDS + 60)
        elapsed = time.monotonic() - t0
        assert not any(t.is_alive() for t in threads), "a load thread is stuck"

        n = sum(counts[k] for k in ("good", "bad"))
        rps = n / elapsed if elapsed > 0 else 0.0
        lat = sorted(latencies)
        p50 = lat[len(lat) // 2] * 1000 if lat else float("nan")
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else float("nan")
        line = (f"dashboard load: {n} requests ({counts['good']} good, {counts['bad']} bad) by {CLIENTS} clients "
                f"in {elapsed:.1f} s = {rps:.0f} requests/s; latency p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
                f"wrong status {counts['wrong_good']} good / {counts['wrong_bad']} bad, 5xx {counts['5xx']}, "
                f"connection errors {counts['connection_error']}")
        print("\n" + line)
        for key, value in (("requests", n), ("requests_per_second", round(rps, 1)), ("seconds", round(elapsed, 2)),
                           ("good", counts["good"]), ("bad", counts["bad"]), ("wrong_good", counts["wrong_good"]),
                           ("wrong_bad", counts["wrong_bad"]), ("status_5xx", counts["5xx"]),
                           ("connection_errors", counts["connection_error"]), ("latency_p50_ms", round(p50, 2)),
                           ("latency_p99_ms", round(p99, 2))):
            record_property(key, value)

        assert not conn_errors, conn_errors[:5]
        assert counts["5xx"] == 0, wrong[:10]
        assert not wrong, wrong[:10]
        assert n >= min(MAX_REQUESTS, 200), f"only {n} requests in {elapsed:.1f} s"
        assert counts["good"] > 0 and counts["bad"] > 0

        with httpx.Client(base_url=url, timeout=30) as c:
            h = c.get("/api/health")
            assert h.status_code == 200 and h.json()["ok"] is True
            assert h.json()["active_runs"] == 0
            st = run_to_done(c, {"scenario": "multipolar", "worlds": 2, "years": 5})
            assert c.get(f"/api/runs/{st['id']}/world/1").status_code == 200

"""The dashboard's web application: FastAPI over the library, one page of plain HTML and JavaScript.

:func:`create_app` builds the application with its :class:`Limits`;
:func:`serve` runs it with uvicorn (``neorealism serve``).  The routes are
listed in docs/dashboard.md.  Safety, as the issue asks:

- every request is bounded — worlds, years, states and the body size
  (checked before the body is parsed; an upload is YAML text in the body);
- nothing from a request names a file: scenarios are built-in names or
  YAML text, experiments built-in names, and an experiment's report lives
  in a temporary folder the server made;
- runs are jobs with random ids (:mod:`.jobs`): users never see each
  other's runs, a run can be cancelled, and at most ``max_active`` are
  queued or running;
- every error is one JSON line naming the field and the allowed range
  (status 400, 404, 409, 413 or 429), never a traceback.

The simulation runs in one thread per job (``threads=1``, so two jobs use
the two cores) and never forks inside the server.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import NeorealismError, ParameterError, ScenarioError
from . import views
from .jobs import Busy, Job, JobManager, UnknownJob

__all__ = ["Limits", "create_app", "serve"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


@dataclass(frozen=True)
class Limits:
    """What one request may ask for (docs/dashboard.md, "Limits and safety")."""

    max_worlds: int = 200  #: worlds of one run
    max_years: int = 500  #: years of one run
    max_states: int = 40  #: states of one scenario
    max_upload_bytes: int = 256 * 1024  #: bytes of one request body (a YAML upload included)
    max_active_runs: int = 4  #: runs and experiments queued or running at once
    max_kept_runs: int = 32  #: finished runs kept (the oldest are dropped)
    #: state-years (N·R·T) of the finished runs kept in memory, all together (about 150 bytes each)
    max_kept_state_years: int = 12_000_000
    default_worlds: int = 50  #: worlds of a run that names none (capped by the scenario's own)
    max_experiment_worlds: int = 100  #: worlds per condition of an experiment
    max_experiment_years: int = 200  #: years of an experiment
    workers: int = 2  #: threads that run jobs


# --------------------------------------------------------------------------- request bodies


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunRequest(_Body):
    scenario: Annotated[str | None, Field(max_length=64)] = None
    yaml: str | None = None
    #: path → value; checked by :func:`_check_params` (a scalar each) and then as ``--set`` checks them
    params: Annotated[dict[Annotated[str, Field(max_length=100)], Any], Field(max_length=300)] = Field(
        default_factory=dict)
    worlds: StrictInt | None = None
    years: StrictInt | None = None
    seed: StrictInt | None = None
    label: Annotated[str | None, Field(max_length=80)] = None


class YamlRequest(_Body):
    yaml: str


class YearRequest(_Body):
    year: StrictInt
    top: Annotated[StrictInt, Field(ge=2, le=40)] = 10


class ExperimentRequest(_Body):
    name: Annotated[str, Field(max_length=64)]
    worlds: StrictInt = 20
    years: StrictInt = 60
    seed: Annotated[StrictInt, Field(ge=0, le=2**63 - 1)] = 0


# --------------------------------------------------------------------------- errors


class HTTPError(Exception):
    def __init__(self, status: int, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def _one_line(exc: BaseException) -> tuple[str, list[str]]:
    problems = list(getattr(exc, "problems", []) or [])
    text = str(exc)
    if len(problems) > 1:
        return f"{problems[0]} (and {len(problems) - 1} more problems)", problems
    if problems:
        return problems[0] if isinstance(exc, ScenarioError) and "\n" in text else text.splitlines()[0], problems
    return text.splitlines()[0] if text else type(exc).__name__, []


def _field_of(message: str) -> str | None:
    head = message.split(" = ", 1)[0].split(":", 1)[0].strip()
    return head if head and " " not in head else None


def _error_response(status: int, message: str, field: str | None = None, problems: list[str] | None = None
                    ) -> JSONResponse:
    body: dict[str, Any] = {"error": message, "field": field if field is not None else _field_of(message)}
    if problems and len(problems) > 1:
        body["problems"] = problems
    return JSONResponse(body, status_code=status)


def _check_params(params: dict[str, Any]) -> None:
    """Each parameter value is one scalar (a number, true/false or text); run settings have their own fields."""
    for k, v in params.items():
        path = k.removeprefix("params.")
        if not path:
            raise HTTPError(400, f"params[{k!r}]: empty parameter path; give e.g. war.cost", "params")
        if path in ("worlds", "years", "seed"):
            raise HTTPError(400, f"params.{path}: set {path} as its own field, not as a parameter", path)
        if v is None or isinstance(v, (list, dict)):
            raise HTTPError(400, f"{path} = {json.dumps(v)[:40]}: expected one value (a number, true/false or "
                                 "text)", path)


def _check_int(name: str, v: int | None, lo: int, hi: int) -> None:
    if v is not None and not (lo <= v <= hi):
        raise HTTPError(400, f"{name} = {v}: allowed {lo} ≤ {name} ≤ {hi}", name)


# --------------------------------------------------------------------------- body size


class _BodyLimit:
    """ASGI middleware: refuse a body larger than ``limit`` bytes (413) before any route parses it."""

    def __init__(self, app: Any, limit: int):
        self.app, self.limit = app, int(limit)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_big = _error_response(413, f"request body: larger than {self.limit:,} bytes; allowed at most "
                                       f"{self.limit:,} bytes (a scenario is a few KiB)", "body")
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    n = int(v)
                except ValueError:
                    n = -1
                if n > self.limit or n < 0:
                    await too_big(scope, receive, send)
                    return
        chunks, size, more = [], 0, True
        while more:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await too_big(scope, receive, send)
                return
            chunks.append(chunk)
            more = msg.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


# --------------------------------------------------------------------------- the jobs' work


def _simulate(job: Job, sc: Any) -> Any:
    """A run of ``sc``: one batch in one thread, tables as :func:`neorealism.api.run` makes them."""
    from .. import engine

    ids = np.arange(sc.worlds, dtype=np.int64)
    traj = engine.run_batch(sc, ids, sc.years, sc.seed, record_states="all", progress=job.advance, threads=1)
    return engine.to_tables(traj, sc, states="all")


class _UploadError(Exception):
    """A YAML scenario sent in a request is malformed: its problems, each starting with ``yaml:``."""

    def __init__(self, message: str, problems: list[str]):
        super().__init__(message)
        self.message, self.problems = message, problems


class _ExperimentRun:
    """An experiment's result and the temporary folder holding its report."""

    def __init__(self, result: Any, folder: Path):
        self.result, self.folder = result, folder


# --------------------------------------------------------------------------- the application


def _static_dir() -> Path:
    return Path(str(resources.files("neorealism.dashboard") / "static"))


def create_app(limits: Limits | None = None) -> FastAPI:
    """The dashboard application (see the module docstring and docs/dashboard.md)."""
    lim = limits or Limits()
    os.environ.setdefault("NEOREALISM_BACKEND", "threads")  # never fork inside a threaded server
    jobs = JobManager(workers=lim.workers, max_active=lim.max_active_runs, max_kept=lim.max_kept_runs,
                      max_kept_weight=lim.max_kept_state_years)
    tmp_root = Path(tempfile.mkdtemp(prefix="neorealism-dashboard-"))
    cache: dict[str, Any] = {}
    cache_lock = threading.Lock()

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown()
        shutil.rmtree(tmp_root, ignore_errors=True)

    # no Swagger page: it would load its scripts from a CDN; the schema itself is served
    app = FastAPI(title="neorealism dashboard", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json", lifespan=lifespan)
    app.state.jobs, app.state.limits, app.state.tmp = jobs, lim, tmp_root
    app.add_middleware(_BodyLimit, limit=lim.max_upload_bytes)

    # ---- errors: one JSON line each
    @app.exception_handler(HTTPError)
    async def _http_error(_: Request, exc: HTTPError) -> JSONResponse:
        return _error_response(exc.status, exc.message, exc.field)

    @app.exception_handler(_UploadError)
    async def _upload_error(_: Request, exc: _UploadError) -> JSONResponse:
        return _error_response(400, exc.message, "yaml", exc.problems)

    @app.exception_handler(UnknownJob)
    async def _unknown(_: Request, exc: UnknownJob) -> JSONResponse:
        return _error_response(404, str(exc), "id")

    @app.exception_handler(Busy)
    async def _busy(_: Request, exc: Busy) -> JSONResponse:
        return _error_response(429, str(exc), "runs")

    @app.exception_handler(NeorealismError)
    async def _user_error(_: Request, exc: NeorealismError) -> JSONResponse:
        msg, problems = _one_line(exc)
        return _error_response(400, msg, getattr(exc, "field", None), problems)

    @app.exception_handler(RequestValidationError)
    async def _bad_body(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for e in exc.errors():
            loc = ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "path", "query")) or "body"
            if e.get("type") == "json_invalid":
                loc = "body"
            msg = e.get("msg", "invalid")
            if e.get("type") == "extra_forbidden":
                msg = "unknown field"
            elif e.get("type") == "json_invalid":
                msg = "not valid JSON"
            problems.append(f"{loc}: {msg}")
        return _error_response(400, problems[0] if len(problems) == 1 else f"{problems[0]} (and {len(problems) - 1} "
                               "more problems)", problems[0].split(":")[0], problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            return _error_response(400, "body: not valid JSON (or nested too deeply)", "body")
        text = {404: "path: no such page or API route", 405: "method: not allowed on this route"}.get(
            exc.status_code, str(exc.detail))
        return _error_response(exc.status_code, text, "path")

    @app.exception_handler(Exception)
    async def _internal(_: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - a bug, not bad input
        return _error_response(500, f"internal error: {type(exc).__name__}", None)

    # ---- the page
    static = _static_dir()
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(static / "index.html", media_type="text/html")

    # ---- facts
    @app.get("/api/health")
    def health() -> dict[str, Any]:
        return {"ok": True, "version": __version__, "active_runs": jobs.active()}

    @app.get("/api/limits")
    def limits_route() -> dict[str, Any]:
        d = asdict(lim)
        d.pop("workers")
        d.pop("max_kept_state_years")
        return d

    def _cached(key: str, compute: Any) -> Any:
        with cache_lock:
            if key not in cache:
                cache[key] = compute()
            return cache[key]

    @app.get("/api/scenarios")
    def scenarios() -> dict[str, Any]:
        from ..scenario import builtin_names, load_builtin

        def build() -> list[dict[str, Any]]:
            scs = [(n, load_builtin(n)) for n in builtin_names()]
            return [{"name": n, "description": sc.description, "states": sc.n_states, "years": sc.years,
                     "worlds": sc.worlds, "seed": sc.seed, "start_year": sc.start_year} for n, sc in scs]

        return {"scenarios": _cached("scenarios", build)}

    def _builtin(name: str) -> Any:
        from ..scenario import builtin_names, load_builtin

        names = builtin_names()
        if name not in names:
            raise HTTPError(404, f"scenario = {name[:64]!r}: not a built-in scenario; allowed {', '.join(names)}",
                            "scenario")
        return load_builtin(name)

    def _scenario_dict(sc: Any, text: str | None = None) -> dict[str, Any]:
        return {"name": sc.name, "yaml": text if text is not None else sc.to_yaml(),
                "description": sc.description, "start_year": sc.start_year, "years": sc.years,
                "worlds": sc.worlds, "seed": sc.seed,
                "states": [{"name": s.name, "x": float(s.position[0]), "y": float(s.position[1])}
                           for s in sc.states],
                "params": views.scenario_params(sc)}

    @app.get("/api/scenarios/{name}")
    def scenario(name: str) -> dict[str, Any]:
        sc = _builtin(name)  # the name is one of the built-in list: no request text reaches a path
        text = (resources.files("neorealism") / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8")
        return _scenario_dict(sc, text)

    @app.get("/api/lessons")
    def lessons() -> dict[str, Any]:
        return _cached("lessons", views.lessons_view)

    @app.get("/api/schema")
    def schema() -> dict[str, Any]:
        return views.schema_view()

    def _parse_upload(text: str) -> Any:
        from ..scenario import parse_scenario_text

        if len(text.encode("utf-8", errors="replace")) > lim.max_upload_bytes:
            raise HTTPError(413, f"yaml: larger than {lim.max_upload_bytes:,} bytes; allowed at most "
                                 f"{lim.max_upload_bytes:,}", "yaml")
        try:
            sc = parse_scenario_text(text, source="upload")
        except ScenarioError as exc:
            problems = [f"yaml: {p}" for p in exc.problems] or [f"yaml: {exc}"]
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            raise _UploadError(problems[0] + more, problems) from None
        if sc.n_states > lim.max_states:
            raise HTTPError(400, f"states: {sc.n_states} states; allowed at most {lim.max_states} in the dashboard",
                            "states")
        return sc

    @app.post("/api/scenarios/validate")
    def validate(body: YamlRequest) -> dict[str, Any]:
        sc = _parse_upload(body.yaml)
        return {"ok": True, **_scenario_dict(sc, body.yaml)}

    # ---- runs
    @app.post("/api/runs", status_code=202)
    def start_run(body: RunRequest) -> dict[str, Any]:
        from .. import api

        if (body.scenario is None) == (body.yaml is None):
            raise HTTPError(400, "scenario, yaml: give exactly one (a built-in scenario name or YAML text)",
                            "scenario")
        base = _builtin(body.scenario) if body.scenario is not None else _parse_upload(body.yaml or "")
        _check_int("worlds", body.worlds, 1, lim.max_worlds)
        _check_int("years", body.years, 1, lim.max_years)
        _check_int("seed", body.seed, 0, 2**63 - 1)
        if base.n_states > lim.max_states:
            raise HTTPError(400, f"states: {base.n_states}; allowed at most {lim.max_states}", "states")
        _check_params(body.params)
        sc = api.with_overrides(base, dict(body.params)) if body.params else base  # refuses a path given twice
        worlds = body.worlds if body.worlds is not None else min(sc.worlds, lim.default_worlds, lim.max_worlds)
        years = body.years if body.years is not None else min(sc.years, lim.max_years)
        sc = sc.with_run(worlds=worlds, years=years, seed=body.seed)
        meta = {"scenario": sc.name, "label": body.label or sc.name, "worlds": sc.worlds, "years": sc.years,
                "seed": sc.seed, "start_year": sc.start_year, "states": sc.n_states}
        def work(j: Job) -> Any:
            res = _simulate(j, sc)
            j.cache["distribution"] = views.distribution_view(res)  # ready before the run reads done
            return res

        job = jobs.submit("run", sc.worlds * sc.years, work, meta,
                          weight=sc.worlds * (sc.years + 1) * sc.n_states)
        return job.status_dict()

    def _finished_run(run_id: str) -> Job:
        job = jobs.get(run_id, "run")
        if job.status != "done":
            raise HTTPError(409, f"id = {run_id[:40]}: the run is {job.status}; its results exist once it is done", "id")
        return job

    @app.get("/api/runs/{run_id}")
    def run_status(run_id: str) -> dict[str, Any]:
        return jobs.get(run_id, "run").status_dict()

    @app.delete("/api/runs/{run_id}")
    def cancel_run(run_id: str) -> dict[str, Any]:
        return jobs.cancel(run_id, "run").status_dict()

    @app.get("/api/runs/{run_id}/world/{world}")
    def run_world(run_id: str, world: int) -> Response:
        job = _finished_run(run_id)
        R = job.result.scenario.worlds
        if not 0 <= world < R:
            raise HTTPError(400, f"world = {world}: allowed 0 ≤ world ≤ {R - 1}", "world")
        with job.lock:
            key = ("world", world)
            if key not in job.cache:
                job.cache[key] = json.dumps(views.world_view(job.result, world), allow_nan=False)
            text = job.cache[key]
        return Response(text, media_type="application/json")

    @app.get("/api/runs/{run_id}/distribution")
    def run_distribution(run_id: str) -> dict[str, Any]:
        job = _finished_run(run_id)
        with job.lock:
            if "distribution" not in job.cache:
                job.cache["distribution"] = views.distribution_view(job.result)
            return job.cache["distribution"]

    # ---- the real system
    @app.get("/api/history")
    def history() -> dict[str, Any]:
        return _cached("history", views.history_view)

    @app.post("/api/history/scenario")
    def history_scenario(body: YearRequest) -> dict[str, Any]:
        from ..data.scenarios_from_data import scenario_from_data

        years = _cached("history", views.history_view)["years"]
        lo, hi = years[0], years[-1]
        _check_int("year", body.year, lo, hi)
        sc = scenario_from_data(body.year, top=body.top)
        return {"name": sc.name, "yaml": sc.to_yaml()}

    # ---- experiments
    @app.get("/api/experiments")
    def experiments() -> dict[str, Any]:
        from ..experiments.spec import builtin_names, load_spec

        def build() -> list[dict[str, Any]]:
            sps = [(n, load_spec(n)) for n in builtin_names()]
            return [{"name": n, "title": sp.title, "hypothesis": sp.hypothesis.statement,
                     "source": sp.hypothesis.source} for n, sp in sps]

        return {"experiments": _cached("experiments", build)}

    @app.post("/api/experiments", status_code=202)
    def start_experiment(body: ExperimentRequest) -> dict[str, Any]:
        from ..experiments.spec import builtin_names, load_spec

        names = builtin_names()
        if body.name not in names:
            raise HTTPError(404, f"name = {body.name[:64]!r}: not a built-in experiment; allowed {', '.join(names)}",
                            "name")
        _check_int("worlds", body.worlds, 1, lim.max_experiment_worlds)
        _check_int("years", body.years, 1, lim.max_experiment_years)
        from ..experiments.runner import total_world_years

        sp = load_spec(body.name)
        folder = tmp_root / f"experiment-{os.urandom(8).hex()}"

        def work(job: Job) -> _ExperimentRun:
            from ..experiments import run_experiment

            res = run_experiment(sp, worlds=body.worlds, years=body.years, seed=body.seed, progress=job.advance,
                                 source=body.name)
            res.write(folder, overwrite=True)
            return _ExperimentRun(res, folder)

        meta = {"name": body.name, "title": sp.title, "worlds": body.worlds, "years": body.years, "seed": body.seed}
        job = jobs.submit("experiment", total_world_years(sp, body.worlds, body.years), work, meta)
        return job.status_dict()

    @app.get("/api/experiments/{job_id}")
    def experiment_status(job_id: str) -> dict[str, Any]:
        job = jobs.get(job_id, "experiment")
        out = job.status_dict()
        if job.status == "done":
            s = job.result.result.summary
            keep = [c for c in ("outcome", "condition", "baseline", "prediction", "effect", "ci_low", "ci_high",
                                "verdict") if c in s.columns]
            out["summary"] = json.loads(s[keep].to_json(orient="records"))
        return out

    @app.delete("/api/experiments/{job_id}")
    def cancel_experiment(job_id: str) -> dict[str, Any]:
        return jobs.cancel(job_id, "experiment").status_dict()

    @app.get("/api/experiments/{job_id}/report", response_class=HTMLResponse)
    def experiment_report(job_id: str) -> HTMLResponse:
        job = jobs.get(job_id, "experiment")
        if job.status != "done":
            raise HTTPError(409, f"id = {job_id[:40]}: the experiment is {job.status}; its report exists once it "
                            "is done", "id")
        page = job.result.folder / "report.html"
        return HTMLResponse(page.read_text(encoding="utf-8"))

    return app


def check_bind(host: str, port: int) -> None:
    """Refuse a port outside 1–65535 (a user error, exit 2)."""
    if not 0 <= port <= 65535:
        raise ParameterError(f"port = {port}: allowed 0 ≤ port ≤ 65535 (0: any free port)", field="port")
    if not host or any(c.isspace() for c in host):
        raise ParameterError(f"host = {host!r}: give an address such as 127.0.0.1", field="host")


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, limits: Limits | None = None,
          announce: Any = print) -> None:
    """Run the dashboard with uvicorn until interrupted; ``announce`` gets the address once it listens."""
    import socket

    import uvicorn

    check_bind(host, port)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ParameterError(f"port = {port}: cannot listen on {host}:{port} ({exc.strerror}); "
                             "choose another with --port", field="port") from None
    real_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    announce(f"neorealism dashboard: http://{shown}:{real_port}/  (Ctrl-C stops it)")
    if host not in ("127.0.0.1", "localhost", "::1"):
        announce(f"warning: listening on {host}, not only on this machine: anyone who can reach it can run "
                 "simulations (there are no accounts)")
    config = uvicorn.Config(create_app(limits), log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])

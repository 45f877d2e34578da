"""End-to-end tests of the dashboard in a real browser (``neorealism serve``: FastAPI + the plain-JS page).

The real server (``create_app`` under uvicorn, :func:`dashboard_helpers.live_server`) runs on a
free loopback port for the whole module; Debian's Chromium (``/usr/bin/chromium``) drives the page
through pytest-playwright.  The page is tested against the element ids of the DOM contract
(notes: dom-contract) and its numbers against the HTTP API's own answers for the same run.

Every test:

- blocks every request that does not go to the server (the page must work offline: no CDN) and
  asserts that none was blocked;
- collects the console's errors and the page's uncaught exceptions and asserts there are none
  (a test that expects the server to refuse a request allows only that refusal's console line);
- is bounded: each wait takes what is left of the test's budget (60 s, 90 s for a slow test).

Runs are small (3–5 worlds, 30–60 years) except the cancelled one.  ``NEOREALISM_SCREENSHOT=1``
also writes the screenshot test's picture to docs/img/dashboard.png.

Without /usr/bin/chromium the browser tests are skipped, unless ``CI`` is set (CI installs it):
then they fail.
"""

from __future__ import annotations

import os
import re
import struct
import time
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from dashboard_helpers import FINISHED, live_server

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the dev extra installs pytest-playwright
    if os.environ.get("CI"):
        raise
    pytest.skip("playwright is not installed (pip install -e '.[dev]')", allow_module_level=True)

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[1]
SCREENSHOT_PATH = REPO / "docs" / "img" / "dashboard.png"
BUDGET = 60.0  #: seconds a test may take
SLOW_BUDGET = 90.0  #: seconds a test marked slow may take
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------------- browser and server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch arguments, with Debian's Chromium (``playwright install`` is never run)."""
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing: the dashboard's browser tests need Debian's chromium package"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set, and CI installs it)")
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A laptop-sized window, the size a teacher's projector shows."""
    return {**browser_context_args, "viewport": {"width": 1400, "height": 900}}


@pytest.fixture(scope="module")
def server() -> Any:
    """The base URL of the real dashboard (default limits), for the whole module."""
    with live_server() as url:
        yield url


@pytest.fixture(scope="module")
def api(server: str) -> Any:
    """An HTTP client of the same server: the API's answers the page is checked against."""
    with httpx.Client(base_url=server, timeout=30.0) as client:
        yield client


class Dash:
    """One test's page, with the offline guard, the error collectors and the time budget."""

    def __init__(self, page: Any, base: str, budget: float):
        self.page, self.base = page, base
        self.deadline = time.monotonic() + budget
        self.blocked: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.allowed: list[re.Pattern[str]] = []
        self.run_posts: list[Any] = []  # responses of POST /api/runs, in order
        self.checked = False
        page.route("**/*", self._route)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("response", self._response)

    # -- guards
    def _route(self, route: Any) -> None:
        url = route.request.url
        # data:, blob: and about: never leave the machine; everything else must go to the server
        if url.startswith(self.base + "/") or url == self.base or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _console(self, msg: Any) -> None:
        if msg.type == "error":
            loc = msg.location or {}
            self.console_errors.append(f"{msg.text} (at {loc.get('url', '?')}:{loc.get('lineNumber', '?')})")

    def _response(self, resp: Any) -> None:
        req = resp.request
        if req.method == "POST" and req.url.split("?")[0] == self.base + "/api/runs":
            self.run_posts.append(resp)

    def allow_console(self, pattern: str) -> None:
        """Allow console errors matching ``pattern`` (the browser's line for an expected refusal)."""
        self.allowed.append(re.compile(pattern))

    def assert_clean(self) -> None:
        self.checked = True
        assert not self.blocked, f"the page requested addresses outside the server (offline use broken): {self.blocked}"
        assert not self.page_errors, f"uncaught exceptions in the page: {self.page_errors}"
        bad = [m for m in self.console_errors if not any(p.search(m) for p in self.allowed)]
        assert not bad, f"console errors: {bad}"

    # -- time
    def left(self, at_most: float | None = None) -> float:
        """Milliseconds left of the test's budget (at most ``at_most`` seconds); fails once it is spent."""
        rest = self.deadline - time.monotonic()
        if rest <= 0:
            pytest.fail("the test's time budget is spent")
        return 1000.0 * (rest if at_most is None else min(rest, at_most))

    # -- the page
    def open(self) -> None:
        """Load the page and wait until its scenario list and parameter form are filled."""
        self.page.goto(self.base + "/", timeout=self.left(20))
        self.page.wait_for_function(
            """() => {
                const sel = document.querySelector('#scenario-select');
                const cost = document.querySelector('#param-form [name="war.cost"]');
                return sel && sel.options.length > 0 && cost && cost.value !== '';
            }""", timeout=self.left(20))

    def wait_status(self, selector: str, want: str, seconds: float = 60.0) -> str:
        """Wait until ``selector``'s data-status is a final one; assert it is ``want``."""
        loc = self.page.locator(selector)
        final = (*FINISHED, want)
        t_end = time.monotonic() + min(seconds, self.left() / 1000.0)
        seen = None
        while time.monotonic() < t_end:
            seen = loc.get_attribute("data-status")
            if seen in final:
                break
            time.sleep(0.1)
        text = loc.text_content()
        assert seen == want, (f"{selector}: data-status {seen!r} (text {text!r}) after waiting "
                              f"{seconds:.0f} s; expected {want!r}; #error: {self.error_text()!r}")
        return text or ""

    def error_text(self) -> str:
        return (self.page.locator("#error").text_content() or "").strip()

    def run_ids(self) -> list[str]:
        """The ids of the runs the page started (POST /api/runs answered 202), in order."""
        return [r.json()["id"] for r in self.run_posts if r.status == 202]

    def run_starts(self) -> list[dict[str, Any]]:
        return [r.json() for r in self.run_posts if r.status == 202]

    def open_param(self, path: str) -> Any:
        """The form's input for ``path``, made visible as a user would (its group opened)."""
        inp = self.page.locator(f'#param-form [name="{path}"]')
        expect(inp).to_have_count(1, timeout=self.left(10))
        if not inp.is_visible():
            inp.evaluate("e => { for (let d = e.closest('details'); d; d = d.parentElement.closest('details')) d.open = true; }")
        inp.scroll_into_view_if_needed(timeout=self.left(5))
        return inp

    def circles(self, root: str = "#map") -> list[dict[str, Any]]:
        """The living states drawn in ``root``: name and radius of each circle.state."""
        return self.page.eval_on_selector_all(
            f"{root} svg circle.state",
            "els => els.map(e => ({name: e.getAttribute('data-name'), r: parseFloat(e.getAttribute('r'))}))")

    def year_label(self) -> str:
        return (self.page.locator("#year-label").text_content() or "").strip()


@pytest.fixture()
def dash(page: Any, server: str, request: Any) -> Any:
    budget = SLOW_BUDGET if request.node.get_closest_marker("slow") else BUDGET
    page.set_default_timeout(15_000)
    d = Dash(page, server, budget)
    yield d
    if not d.checked:
        d.assert_clean()


# --------------------------------------------------------------------------- helpers


def alive_names(world: dict[str, Any], t: int) -> set[str]:
    return {s["name"] for s, a in zip(world["states"], world["alive"][t], strict=True) if a}


def map_matches(circles: list[dict[str, Any]], world: dict[str, Any], t: int) -> str | None:
    """None when the circles show ``world`` at year index ``t``, else what differs.

    The living states are the circles; a state with a clearly larger share (15 % more) has the larger
    circle, and the largest circle is the largest state ("sized by power").  Circles at the smallest
    radius drawn are not ranked (a page may give tiny states a floor).
    """
    names = [c["name"] for c in circles]
    want = alive_names(world, t)
    if len(names) != len(set(names)) or set(names) != want:
        return f"circles {sorted(names)}; the living states are {sorted(want)}"
    share = {s["name"]: v for s, v in zip(world["states"], world["share"][t], strict=True)}
    r = {c["name"]: c["r"] for c in circles}
    floor = min(r.values())
    biggest = max(want, key=lambda n: share[n] or 0.0)
    if r[biggest] < max(r.values()) - 1e-9:
        return f"the largest state {biggest} (share {share[biggest]:.3f}) is not the largest circle: radii {r}"
    for a in want:
        for b in want:
            if (share[a] or 0) > 1.15 * (share[b] or 0) and r[b] > floor + 0.05 and not r[a] > r[b]:
                return f"{a} (share {share[a]:.3f}) has radius {r[a]} ≤ {b}'s {r[b]} (share {share[b]:.3f})"
    return None


def wait_map(dash: Dash, world: dict[str, Any], t: int, root: str = "#map", seconds: float = 15.0) -> None:
    """Wait until ``root``'s circles show ``world`` at year index ``t``."""
    t_end = time.monotonic() + min(seconds, dash.left() / 1000.0)
    why = "no circles"
    while time.monotonic() < t_end:
        why = map_matches(dash.circles(root), world, t)
        if why is None:
            return
        time.sleep(0.1)
    pytest.fail(f"{root} does not show world {world.get('world')} in {world['years'][t]}: {why}")


def start_run(dash: Dash, scenario: str | None, worlds: int, years: int) -> str:
    """Choose ``scenario`` (None: keep the selection), set the size, press Run; the new run's id."""
    page = dash.page
    if scenario is not None and page.locator("#scenario-select").input_value() != scenario:
        with page.expect_response(lambda r: r.url.endswith(f"/api/scenarios/{scenario}"), timeout=dash.left(15)):
            page.select_option("#scenario-select", scenario)
    page.fill("#run-worlds", str(worlds))
    page.fill("#run-years", str(years))
    n = len(dash.run_ids())
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/api/runs"),
                              timeout=dash.left(15)) as info:
        page.click("#run-button")
    resp = info.value
    assert resp.status == 202, f"POST /api/runs from the page: {resp.status} {resp.text()[:300]}"
    ids = dash.run_ids()
    assert len(ids) == n + 1
    return ids[-1]


def wait_player(dash: Dash, world: dict[str, Any]) -> None:
    """Wait until the finished run is loaded into the player: its first year shown on the map and charts.

    (#run-status reads done as soon as the server says so; the page then fetches the run and
    draws it, and a key pressed before that is lost when the player starts at the first year.)
    """
    y0 = str(world["years"][0])
    page = dash.page
    expect(page.locator("#year-label")).to_have_text(y0, timeout=dash.left(15))
    for chart in ("#map", "#chart-power", "#chart-polarity"):
        expect(page.locator(chart)).to_have_attribute("data-year", y0, timeout=dash.left(15))


def check_timeline(dash: Dash, world: dict[str, Any], year: int) -> None:
    """#timeline lists one .event per event up to ``year``, the newest first."""
    events = [e for e in world["events"] if e["year"] <= year]
    items = dash.page.locator("#timeline .event")
    expect(items).to_have_count(len(events), timeout=dash.left(5))
    if events:
        first = items.first.text_content() or ""
        assert str(events[-1]["year"]) in first, f"#timeline's first event {first!r}: not of {events[-1]['year']}"
        last = items.last.text_content() or ""
        assert str(events[0]["year"]) in last, f"#timeline's last event {last!r}: not of {events[0]['year']}"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path}: not a PNG (starts {data[:8]!r})"
    assert data[12:16] == b"IHDR", f"{path}: no IHDR chunk"
    return struct.unpack(">II", data[16:24])


def bipolar_yaml(new_name: str) -> str:
    text = (resources.files("neorealism") / "scenarios" / "bipolar.yaml").read_text(encoding="utf-8")
    out, n = re.subn(r"(?m)^name:\s*bipolar\s*$", f"name: {new_name}", text, count=1)
    assert n == 1, "bipolar.yaml has no top-level 'name: bipolar' line"
    return out


# --------------------------------------------------------------------------- the server alone


def test_server_serves_the_page_and_its_scripts(api: Any) -> None:
    """Without a browser: the page, its scripts and the health route answer; the page names the contract's ids."""
    assert api.get("/api/health").json()["ok"] is True
    r = api.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    html = r.text
    for ident in ("tab-run", "tab-compare", "tab-history", "tab-experiments", "scenario-select", "param-form",
                  "run-button", "run-status", "year-slider", "map", "compare-run", "history-chart",
                  "experiment-report"):
        assert f'id="{ident}"' in html, f"GET /: no element id={ident!r}"
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(r'<link[^>]+href="([^"]+)"', html)
    assert scripts, "the page loads no script"
    for src in scripts:
        if src.startswith("data:"):
            continue
        assert not re.match(r"(?i)^(https?:)?//", src), f"the page loads {src} from outside the server"
        assert api.get(src).status_code == 200, f"GET {src}: not served"


# --------------------------------------------------------------------------- 1. the page loads


def test_page_loads_with_tabs_scenarios_and_parameter_form(dash: Dash, api: Any) -> None:
    from neorealism.scenario import builtin_names

    page = dash.page
    dash.open()
    assert "neorealism" in page.title().lower(), f"title {page.title()!r}"
    for tab in ("run", "compare", "history", "experiments"):
        expect(page.locator(f"#tab-{tab}")).to_be_visible()
    # the Run panel first, the others hidden; each tab shows its panel
    expect(page.locator("#panel-run")).to_be_visible()
    for tab in ("compare", "history", "experiments", "run"):
        page.click(f"#tab-{tab}")
        for other in ("run", "compare", "history", "experiments"):
            panel = page.locator(f"#panel-{other}")
            if other == tab:
                expect(panel).to_be_visible(timeout=dash.left(5))
            else:
                expect(panel).to_be_hidden(timeout=dash.left(5))

    values = page.eval_on_selector_all("#scenario-select option", "os => os.map(o => o.value)")
    assert sorted(v for v in values if v != "__upload__") == sorted(builtin_names()), values

    schema = api.get("/api/schema").json()
    params = [p for g in schema["groups"] for p in g["params"]]
    names = set(page.eval_on_selector_all("#param-form [name]", "es => es.map(e => e.name)"))
    missing = [p["path"] for p in params if p["path"] not in names]
    assert not missing, f"#param-form has no input named {missing[:10]} ({len(missing)} of {len(params)})"
    cost = next(p for p in params if p["path"] == "war.cost")
    assert cost["minimum"] is not None and cost["maximum"] is not None
    inp = page.locator('#param-form input[name="war.cost"]')
    assert float(inp.get_attribute("min")) == cost["minimum"], inp.get_attribute("min")
    assert float(inp.get_attribute("max")) == cost["maximum"], inp.get_attribute("max")
    # every numeric parameter bounded on both sides shows its bounds
    shown = dict(page.eval_on_selector_all("#param-form input[name]", "es => es.map(e => [e.name, [e.min, e.max]])"))
    wrong = []
    for p in params:
        if p["type"] in ("int", "float") and p.get("minimum") is not None and p.get("maximum") is not None:
            lo, hi = shown.get(p["path"], ("", ""))
            if lo == "" or hi == "" or float(lo) != p["minimum"] or float(hi) != p["maximum"]:
                wrong.append((p["path"], (p["minimum"], p["maximum"]), (lo, hi)))
    assert not wrong, f"inputs whose min/max differ from the schema (path, schema, page): {wrong[:5]}"
    dash.assert_clean()


# --------------------------------------------------------------------------- 2. a run, the player, the worlds


def test_run_step_play_scrub_and_pick_worlds(dash: Dash, api: Any) -> None:
    page = dash.page
    dash.open()
    run_id = start_run(dash, "bipolar", worlds=4, years=40)
    dash.wait_status("#run-status", "done", 50)
    w0 = api.get(f"/api/runs/{run_id}/world/0").json()
    years = w0["years"]
    assert len(years) == 41

    # year 0 of world 0: one circle per living state
    wait_player(dash, w0)
    wait_map(dash, w0, 0)
    assert len(dash.circles()) == sum(w0["alive"][0]) == 14

    # three steps
    for _ in range(3):
        page.click("#step-button")
    y3 = str(years[3])
    expect(page.locator("#year-label")).to_have_text(y3, timeout=dash.left(5))
    expect(page.locator("body")).to_have_attribute("data-year", y3, timeout=dash.left(5))
    for chart in ("#chart-power", "#chart-polarity", "#map"):
        expect(page.locator(chart)).to_have_attribute("data-year", y3, timeout=dash.left(10))
    wait_map(dash, w0, 3)
    expect(page.locator("#polarity-label")).to_have_text(w0["polarity"][3], timeout=dash.left(5))
    check_timeline(dash, w0, years[3])
    page.click("#step-back-button")
    expect(page.locator("#year-label")).to_have_text(str(years[2]), timeout=dash.left(5))
    page.click("#step-button")
    expect(page.locator("#year-label")).to_have_text(y3, timeout=dash.left(5))

    # play, then pause
    page.click("#play-button")
    page.wait_for_timeout(1500)
    played = int(dash.year_label())
    assert played > years[3], f"after 1.5 s of play the year is {played}, still ≤ {years[3]}"
    page.click("#play-button")
    stopped = int(dash.year_label())
    page.wait_for_timeout(1000)
    assert int(dash.year_label()) == stopped, f"paused at {stopped}, then the year moved to {dash.year_label()}"
    assert page.locator("body").get_attribute("data-year") == str(stopped)

    # the slider to the end
    page.locator("#year-slider").focus()
    page.keyboard.press("End")
    last = str(years[-1])
    expect(page.locator("#year-label")).to_have_text(last, timeout=dash.left(5))
    expect(page.locator("body")).to_have_attribute("data-year", last, timeout=dash.left(5))
    assert page.locator("#year-slider").input_value() == str(len(years) - 1)
    wait_map(dash, w0, len(years) - 1)
    check_timeline(dash, w0, years[-1])

    # the wars on the map, in the year of world 0 with the most of them under way
    def under_way(t: int, end_inclusive: bool) -> int:
        y = years[t]
        return sum(1 for w in w0["wars"] if w["start"] <= y and (w["end"] is None or w["end"] > y
                                                                  or (end_inclusive and w["end"] == y)))
    busiest = max(range(len(years)), key=lambda t: under_way(t, True))
    if under_way(busiest, True) > 0:
        page.locator("#year-slider").focus()
        page.keyboard.press("Home")
        for _ in range(busiest):
            page.keyboard.press("ArrowRight")
        expect(page.locator("#year-label")).to_have_text(str(years[busiest]), timeout=dash.left(5))
        n_lines = page.locator("#map svg line.war").count()
        lo, hi = under_way(busiest, False), under_way(busiest, True)
        assert lo <= n_lines <= hi, f"#map in {years[busiest]}: {n_lines} line.war; wars under way: {lo}–{hi}"
        page.locator("#year-slider").focus()
        page.keyboard.press("End")
        expect(page.locator("#year-label")).to_have_text(last, timeout=dash.left(5))

    # the worlds: "all" and each of the 4
    values = page.eval_on_selector_all("#world-select option", "os => os.map(o => o.value)")
    assert sorted(values) == sorted(["all", "0", "1", "2", "3"]), values
    w2 = api.get(f"/api/runs/{run_id}/world/2").json()
    page.select_option("#world-select", "2")
    wait_map(dash, w2, len(years) - 1)
    expect(page.locator("#year-label")).to_have_text(last, timeout=dash.left(5))
    page.select_option("#world-select", "all")
    # the distribution across worlds: a chart of it is shown (the contract names no id for it; the
    # page's are dist-*), and the single world's power chart gives way
    dist = page.locator("[id^='dist-']:visible svg, [id^='dist-']:visible canvas")
    expect(dist.first).to_be_visible(timeout=dash.left(15))
    dash.assert_clean()


# --------------------------------------------------------------------------- 3. an invalid parameter


def test_out_of_range_parameter_is_refused_naming_the_field(dash: Dash, api: Any) -> None:
    page = dash.page
    dash.allow_console(r"status of 400")  # the server's refusal, if the page sends the run
    dash.open()
    inp = dash.open_param("war.cost")
    inp.fill("5")
    page.fill("#run-worlds", "3")
    page.fill("#run-years", "30")
    page.click("#run-button")
    expect(page.locator("#error")).to_be_visible(timeout=dash.left(10))
    expect(page.locator("#error")).to_contain_text("war.cost", timeout=dash.left(10))
    page.wait_for_timeout(800)
    status = page.locator("#run-status").get_attribute("data-status")
    assert status not in ("queued", "running", "done"), f"#run-status data-status {status!r}: a run started"
    assert not dash.run_ids(), "the server accepted a run with war.cost = 5"
    assert api.get("/api/health").json().get("active_runs", 0) == 0
    # the field itself is marked, with its message next to it
    assert "invalid" in (inp.get_attribute("class") or "").split(), f"war.cost's class: {inp.get_attribute('class')!r}"
    # "next to it": in the input's own row, i.e. within its nearest three ancestors
    near = inp.evaluate("""e => {
        for (let p = e.parentElement, k = 0; p && k < 3; p = p.parentElement, k++) {
            const m = p.querySelector('.field-error');
            if (m) return m.textContent;
        }
        return null;
    }""")
    assert near is not None, "no .field-error next to input[name='war.cost']"
    assert "war.cost" in near, f".field-error next to war.cost says {near!r}"
    dash.assert_clean()


# --------------------------------------------------------------------------- 4. an uploaded scenario


def test_uploaded_yaml_scenario_runs(dash: Dash, api: Any, tmp_path: Path) -> None:
    page = dash.page
    dash.open()
    f = tmp_path / "my-bipolar.yaml"
    f.write_text(bipolar_yaml("e2e-upload"), encoding="utf-8")
    page.set_input_files("#yaml-upload", str(f))
    expect(page.locator("#scenario-select")).to_have_value("__upload__", timeout=dash.left(10))
    assert not dash.error_text(), dash.error_text()
    run_id = start_run(dash, None, worlds=3, years=30)
    started = dash.run_starts()[-1]
    assert started["scenario"] == "e2e-upload", started
    dash.wait_status("#run-status", "done", 50)
    st = api.get(f"/api/runs/{run_id}").json()
    assert (st["scenario"], st["worlds"], st["years"]) == ("e2e-upload", 3, 30)
    w0 = api.get(f"/api/runs/{run_id}/world/0").json()
    wait_player(dash, w0)
    wait_map(dash, w0, 0)
    dash.assert_clean()


# --------------------------------------------------------------------------- 5. compare


def test_compare_bipolar_with_multipolar(dash: Dash, api: Any) -> None:
    page = dash.page
    dash.open()
    page.click("#tab-compare")
    page.select_option("#compare-a-scenario", "bipolar")
    page.select_option("#compare-b-scenario", "multipolar")
    page.fill("#compare-a-params", "")
    page.fill("#compare-b-params", "")
    page.fill("#compare-worlds", "3")
    page.fill("#compare-years", "30")
    page.click("#compare-run")
    dash.wait_status("#compare-status", "done", 55)
    starts = dash.run_starts()
    assert [s["scenario"] for s in starts] == ["bipolar", "multipolar"], starts
    sizes = {s["name"]: s["states"] for s in api.get("/api/scenarios").json()["scenarios"]}
    for side, st in zip("ab", starts, strict=True):
        w = api.get(f"/api/runs/{st['id']}/world/0").json()
        want = sum(w["alive"][0])
        assert want == sizes[st["scenario"]]
        expect(page.locator(f"#compare-{side} svg circle.state")).to_have_count(want, timeout=dash.left(10))
        wait_map(dash, w, 0, root=f"#compare-{side}")
    assert sizes["bipolar"] == 14
    # the headline outcomes: one row per outcome of either run, with A, B and B−A
    outcomes = set()
    for st in starts:
        outcomes |= {o["name"] for o in api.get(f"/api/runs/{st['id']}/distribution").json()["outcomes"]}
    rows = page.locator("#compare-table tbody tr")
    expect(rows).to_have_count(len(outcomes), timeout=dash.left(10))
    cells = page.eval_on_selector_all("#compare-table tbody tr", "rs => rs.map(r => r.cells.length)")
    assert all(n >= 4 for n in cells), f"rows with fewer than 4 cells (outcome, A, B, B−A): {cells}"
    # one slider drives both maps: at its end each shows its last year
    page.locator("#compare-slider").focus()
    page.keyboard.press("End")
    for side, st in zip("ab", starts, strict=True):
        w = api.get(f"/api/runs/{st['id']}/world/0").json()
        wait_map(dash, w, len(w["years"]) - 1, root=f"#compare-{side}")
    dash.assert_clean()


# --------------------------------------------------------------------------- 6. the real system


def test_history_year_majors_and_build(dash: Dash, api: Any) -> None:
    from neorealism.data.loaders import major_state_years

    page = dash.page
    dash.open()
    page.click("#tab-history")
    chart = page.locator("#history-chart svg, #history-chart canvas")
    expect(chart.first).to_be_visible(timeout=dash.left(20))
    # clicking the chart picks a year: the list of majors follows it
    hist = api.get("/api/history").json()
    before = page.locator("#history-year").input_value()
    box = page.locator("#history-chart").bounding_box()
    page.mouse.click(box["x"] + 0.25 * box["width"], box["y"] + 0.5 * box["height"])
    expect(page.locator("#history-year")).not_to_have_value(before, timeout=dash.left(5))
    picked = int(page.locator("#history-year").input_value())
    assert hist["years"][0] <= picked <= hist["years"][-1], picked
    want = hist["majors"][hist["years"].index(picked)]
    expect(page.locator("#history-majors li")).to_have_count(max(1, len(want)), timeout=dash.left(5))
    text = page.locator("#history-majors").text_content() or ""
    assert all(m in text for m in want), f"#history-majors for the clicked year {picked}: {text!r}; COW: {want}"

    page.fill("#history-year", "1913")
    page.locator("#history-year").press("Tab")
    m = major_state_years()
    majors = sorted(m.loc[m["year"] == 1913, "stateabb"])
    assert len(majors) == 8  # the COW list: AUH FRN GMY ITA JPN RUS UKG USA
    items = page.locator("#history-majors li")
    expect(items).to_have_count(len(majors), timeout=dash.left(10))
    text = page.locator("#history-majors").text_content() or ""
    absent = [a for a in majors if a not in text]
    assert not absent, f"#history-majors for 1913 lacks {absent}: {text!r}"
    wars = api.get("/api/history").json()["wars"]
    ongoing = [w for w in wars if w["start"] <= 1913 and (w["end"] is None or w["end"] >= 1913)]
    if ongoing:
        expect(page.locator("#history-wars")).to_contain_text(ongoing[0]["name"], timeout=dash.left(5))

    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/api/runs"),
                              timeout=dash.left(30)):
        page.click("#history-build")
    expect(page.locator("#panel-run")).to_be_visible(timeout=dash.left(5))
    expect(page.locator("#panel-history")).to_be_hidden(timeout=dash.left(5))
    started = dash.run_starts()
    assert started, "the build did not start a run"
    assert started[-1]["scenario"].startswith("cow-1913"), started[-1]
    dash.wait_status("#run-status", "done", 50)
    st = api.get(f"/api/runs/{started[-1]['id']}").json()
    assert st["start_year"] == 1913, st
    expect(page.locator("#year-label")).to_have_text("1913", timeout=dash.left(10))
    dash.assert_clean()


# --------------------------------------------------------------------------- 7. experiments


@pytest.mark.slow
def test_cheapest_experiment_runs_and_shows_its_report(dash: Dash, api: Any) -> None:
    from neorealism.experiments.runner import total_world_years
    from neorealism.experiments.spec import load_spec

    worlds, years = 4, 30
    listed = api.get("/api/experiments").json()["experiments"]
    cheapest = min(listed, key=lambda x: total_world_years(load_spec(x["name"]), worlds, years))
    page = dash.page
    dash.open()
    page.click("#tab-experiments")
    expect(page.locator(f'#experiment-select option[value="{cheapest["name"]}"]')).to_have_count(
        1, timeout=dash.left(10))
    page.select_option("#experiment-select", cheapest["name"])
    page.fill("#experiment-worlds", str(worlds))
    page.fill("#experiment-years", str(years))
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/api/experiments"),
                              timeout=dash.left(15)) as info:
        page.click("#experiment-run")
    assert info.value.status == 202, info.value.text()[:300]
    job = info.value.json()
    dash.wait_status("#experiment-status", "done", 80)
    summary = api.get(f"/api/experiments/{job['id']}").json()["summary"]
    assert summary
    expect(page.locator("#experiment-summary tbody tr")).to_have_count(len(summary), timeout=dash.left(10))
    frame = page.frame_locator("#experiment-report")
    heading = frame.locator("h1").first
    expect(heading).to_be_visible(timeout=dash.left(20))
    frame_title = page.locator("#experiment-report").element_handle().content_frame().title()
    shown = f"{frame_title} | {heading.text_content()}"
    assert cheapest["title"] in shown, f"the report shows {shown!r}, not {cheapest['title']!r}"
    dash.assert_clean()


# --------------------------------------------------------------------------- 8. cancel


def test_cancel_a_big_run(dash: Dash, api: Any) -> None:
    page = dash.page
    dash.open()
    run_id = start_run(dash, "multipolar", worlds=200, years=500)
    expect(page.locator("#cancel-button")).to_be_enabled(timeout=dash.left(5))
    page.click("#cancel-button")
    dash.wait_status("#run-status", "cancelled", 10)
    assert api.get(f"/api/runs/{run_id}").json()["status"] == "cancelled"
    dash.assert_clean()


# --------------------------------------------------------------------------- 9. screenshot


def test_screenshot_of_a_run_at_mid_year(dash: Dash, api: Any, tmp_path: Path) -> None:
    page = dash.page
    dash.open()
    run_id = start_run(dash, "bipolar", worlds=4, years=60)
    dash.wait_status("#run-status", "done", 45)
    w0 = api.get(f"/api/runs/{run_id}/world/0").json()
    wait_player(dash, w0)
    mid = len(w0["years"]) // 2
    slider = page.locator("#year-slider")
    slider.focus()
    page.keyboard.press("Home")
    for _ in range(mid):
        page.keyboard.press("ArrowRight")
    y = str(w0["years"][mid])
    expect(page.locator("#year-label")).to_have_text(y, timeout=dash.left(5))
    for chart in ("#chart-power", "#chart-polarity", "#map"):
        expect(page.locator(chart)).to_have_attribute("data-year", y, timeout=dash.left(10))
    wait_map(dash, w0, mid)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, 0)
    page.wait_for_timeout(300)
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True, timeout=dash.left(20))
    width, height = png_size(shot)
    assert width >= 1000 and height >= 600 and shot.stat().st_size > 10_000, (width, height, shot.stat().st_size)
    if os.environ.get("NEOREALISM_SCREENSHOT") == "1":
        SCREENSHOT_PATH.parent.mkdir(parents=True, exist_ok=True)
        SCREENSHOT_PATH.write_bytes(shot.read_bytes())
    dash.assert_clean()

"""PWA speed, as a phone with a returning inspector would see it.

1. First-load size: the JavaScript and CSS the first page load needs (the entry script, its
   stylesheet and every chunk it imports statically, recursively), gzipped at level 9 as a server
   would send them. Chunks loaded by dynamic `import()` are lazy and not counted; the login page is
   imported statically by the router, so it is in the entry graph. The whole precache is printed
   too, for information.
2. Offline cold start: headless Chromium with the app installed (service worker and device
   database filled by a real login and sync), the network gone, a new page opened straight on a
   300-item inspection; from navigation start until the checklist is rendered with data.
3. Opening a 300-item checklist from the task list (client-side navigation): the app's own
   `checklist.open` measure (component setup to rendered with data) and the tap-to-ready time.
4. Shrinking a 4000x3000 camera picture (EXIF orientation 6) on the item page: the app's own
   `photo.shrink` measure (decode, scale, encode, SHA-256).

Everything runs on this machine: the Flask app on SQLite in a thread on a free loopback port,
Debian's Chromium driven by Playwright. Time goals are for a phone; a 2-core server stands in.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import logging
import os
import platform
import posixpath
import re
import statistics
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from PIL import Image

from server.settings import PROJECT_ROOT
from tests.harness.services import CHROMIUM_FLAGS, serve_in_thread

DIST = PROJECT_ROOT / "pwa" / "dist"
RUNS = 5
KB = 1024
FIRST_LOAD_GOAL_KB = 250
COLD_START_GOAL_MS = 1500
OPEN_GOAL_MS = 500
SHRINK_GOAL_MS = 400
PHOTO_SIZE = (4000, 3000)
MAX_EDGE = 1600  # photo.ts MAX_EDGE
TIMEOUT_MS = 60_000
INSPECTOR = "tx_inspector1"
FACILITY = "通许县城关镇卫生院"

# Installed in every page before the app's scripts: records performance.now() (relative to the
# navigation start) at the moment the checklist is rendered with data, and at the frame after.
# `__benchWatch()` re-arms it before a client-side navigation.
READY_WATCH = """(() => {
  const SELECTOR = '[data-testid="inspection-page"][data-ready="true"]'
  window.__benchWatch = () => {
    window.__benchObserver?.disconnect()
    window.__benchReadyAt = undefined
    window.__benchFrameAt = undefined
    const check = () => {
      if (window.__benchReadyAt !== undefined || !document.querySelector(SELECTOR)) return false
      window.__benchReadyAt = performance.now()
      window.__benchObserver.disconnect()
      requestAnimationFrame(() => { window.__benchFrameAt = performance.now() })
      return true
    }
    window.__benchObserver = new MutationObserver(check)
    if (!check()) {
      window.__benchObserver.observe(document, {
        subtree: true, childList: true, attributes: true, attributeFilter: ['data-ready'],
      })
    }
  }
  window.__benchWatch()
})()"""
READY_TIMES = (
    "() => window.__benchFrameAt === undefined ? false : [window.__benchReadyAt, window.__benchFrameAt]"
)


def _met(value: float, goal: float) -> str:
    return "met" if value < goal else "NOT met"


# --- 1. first-load size --------------------------------------------------------------------------


class _EntryParser(HTMLParser):
    """The entry script, module preloads and stylesheets that index.html names."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("type") == "module" and a.get("src"):
            self.urls.append(str(a["src"]))
        elif tag == "link" and a.get("rel") in ("stylesheet", "modulepreload") and a.get("href"):
            self.urls.append(str(a["href"]))


# Static `import ... from "x"`, `import "x"` and `export ... from "x"`; never `import("x")`, whose
# argument follows a parenthesis, not a quote or a binding list.
STATIC_IMPORT = re.compile(r"""\b(?:import|export)\s*(?:[\w$*{},\s]*?\bfrom\s*)?["']([^"'\s]+\.js)["']""")


def _dist_path(url: str) -> Path:
    return DIST / url.lstrip("/")


def first_load_urls() -> list[str]:
    parser = _EntryParser()
    parser.feed((DIST / "index.html").read_text(encoding="utf-8"))
    seen: list[str] = []
    todo = [posixpath.normpath("/" + u.lstrip("/")) for u in parser.urls]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.append(url)
        if url.endswith(".js"):
            source = _dist_path(url).read_text(encoding="utf-8")
            for target in STATIC_IMPORT.findall(source):
                if target.startswith((".", "/")):
                    todo.append(posixpath.normpath(posixpath.join(posixpath.dirname(url), target)))
    return seen


def _gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))


def precached_urls() -> list[str]:
    source = (DIST / "sw.js").read_text(encoding="utf-8")
    return ["/" + u for u in re.findall(r"""\{url:\s*["']([^"']+)["']""", source)]


def first_load() -> list[str]:
    urls = first_load_urls()
    js = sum(_gzipped(_dist_path(u)) for u in urls if u.endswith(".js"))
    css = sum(_gzipped(_dist_path(u)) for u in urls if u.endswith(".css"))
    raw = sum(_dist_path(u).stat().st_size for u in urls)
    total = js + css
    cached = [u for u in precached_urls() if _dist_path(u).is_file()]
    cached_gz = sum(_gzipped(_dist_path(u)) for u in cached)
    cached_raw = sum(_dist_path(u).stat().st_size for u in cached)
    names = ", ".join(posixpath.basename(u) for u in sorted(urls))
    return [
        f"first load: {total / KB:.1f} KB gzipped (JS {js / KB:.1f} KB, CSS {css / KB:.1f} KB; "
        f"{raw / KB:.0f} KB raw, {len(urls)} files); goal < {FIRST_LOAD_GOAL_KB} KB: "
        f"{_met(total / KB, FIRST_LOAD_GOAL_KB)}",
        f"   files: {names}",
        f"whole precache (for information): {cached_gz / KB:.1f} KB gzipped, "
        f"{cached_raw / KB:.0f} KB raw, {len(cached)} files",
    ]


# --- the server and its data ---------------------------------------------------------------------


def _prepare(tmp: Path) -> tuple[Any, int, str, str, tuple[float, float]]:
    """The demo prefecture, the 300-item checklist and a draft on it for the demo inspector;
    returns the app, the inspection id, its first item, the inspector's password and the
    facility's coordinates."""
    from flask_migrate import upgrade

    from bench.sync import checklist_300, draft_for, settings
    from server import create_app
    from server.db import checklists as checklist_queries
    from server.db.models import Facility, User
    from server.extensions import db
    from server.services import checklists, seed

    app = create_app(settings(tmp, f"sqlite:///{tmp / 'bench.sqlite3'}", "p" * 48))
    with app.app_context():
        upgrade()
        checklists.sync_published(PROJECT_ROOT / "checklists")
        result = seed.seed_demo(dt.datetime.now(dt.UTC))
        password = next(p for name, _, _, p in result["logins"] if name == INSPECTOR)
        checklist_queries.add_version(
            "bench-300", 1, "quality_service", "bench", "bench", "b" * 64, checklist_300()
        )
        inspector = db.session.execute(db.select(User).filter_by(username=INSPECTOR)).scalar_one()
        admin = db.session.execute(db.select(User).filter_by(username="kf_admin")).scalar_one()
        facility = db.session.execute(db.select(Facility).filter_by(name=FACILITY)).scalar_one()
        inspection_id = draft_for(facility, inspector, admin.id)
        place = (float(facility.latitude or 34.48), float(facility.longitude or 114.47))
        db.session.commit()
    first_item = checklist_300()["chapters"][0]["sections"][0]["items"][0]["id"]
    return app, inspection_id, first_item, password, place


def _camera_picture(path: Path) -> int:
    """A 12-megapixel camera picture held sideways (EXIF orientation 6), about the size a phone
    writes: a gradient with noise, JPEG quality 85."""
    width, height = PHOTO_SIZE
    gradient = Image.linear_gradient("L").resize((width, height))
    base = Image.merge(
        "RGB",
        (
            gradient,
            gradient.rotate(90).resize((width, height)),
            gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        ),
    )
    noise = Image.effect_noise((width, height), 48).convert("RGB")
    image = Image.blend(base, noise, 0.35)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    exif[0x0132] = "2026:11:20 10:00:00"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    path.write_bytes(out.getvalue())
    return len(out.getvalue())


# --- 2-4. in the browser -------------------------------------------------------------------------


def _figures(values: list[float], goal: float) -> str:
    """p50 and max of the runs, each run, and the verdict against the goal at p50 and at max."""
    p50, top = statistics.median(values), max(values)
    if top < goal:
        verdict = "met"
    elif p50 < goal:
        verdict = "met at p50, NOT met at max"
    else:
        verdict = "NOT met"
    runs = ", ".join(f"{v:.0f}" for v in values)
    return f"p50 {p50:.0f} ms, max {top:.0f} ms (runs: {runs}); goal < {goal:.0f} ms: {verdict}"


def _install(context: Any, url: str, inspection_id: int, password: str) -> None:
    """Log in online, let the sync engine download the assignment, and wait until the service
    worker controls the page (the app then opens with no network)."""
    page = context.new_page()
    page.goto(url + "/")
    page.get_by_test_id("login-username").locator("input").fill(INSPECTOR)
    page.get_by_test_id("login-password").locator("input").fill(password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id(f"task-{inspection_id}").wait_for(timeout=TIMEOUT_MS)
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=TIMEOUT_MS)
    page.get_by_test_id(f"task-{inspection_id}").wait_for(timeout=TIMEOUT_MS)
    # The checklist itself must be on the device before the network goes.
    page.goto(f"{url}/inspections/{inspection_id}")
    page.wait_for_function(READY_TIMES, timeout=TIMEOUT_MS)
    page.close()


def _cold_starts(context: Any, url: str, inspection_id: int) -> list[float]:
    ready = []
    for _ in range(RUNS):
        page = context.new_page()
        page.goto(f"{url}/inspections/{inspection_id}", wait_until="commit")
        at, _ = page.wait_for_function(READY_TIMES, timeout=TIMEOUT_MS).json_value()
        ready.append(float(at))
        page.close()
    return ready


# Taps the chapter, then its section, and waits until every item row of the checklist exists: the
# page opens folded (Vant renders folded panels only when first opened), so this is the cost of
# listing all 300 items.
EXPAND_ALL = """() => new Promise((resolve) => {
  const started = performance.now()
  const title = (testid) => document.querySelector(`[data-testid="${testid}"] .van-collapse-item__title`)
  const rows = () => document.querySelectorAll('[data-testid^="item-"]').length
  title('chapter-X').click()
  const openSection = () => {
    const section = title('section-X.1')
    if (!section) return requestAnimationFrame(openSection)
    section.click()
    const listed = () =>
      rows() >= 300 ? resolve(performance.now() - started) : requestAnimationFrame(listed)
    listed()
  }
  openSection()
})"""


def _checklist_opens(
    context: Any, url: str, inspection_id: int
) -> tuple[list[float], list[float], list[float]]:
    measured, tapped, listed = [], [], []
    page = context.new_page()
    task = f"task-{inspection_id}"
    for _ in range(RUNS):
        page.goto(url + "/tasks")
        page.get_by_test_id(task).wait_for(timeout=TIMEOUT_MS)
        page.wait_for_timeout(500)  # past the app's start-up work, as a person's tap would be
        # The tap is dispatched in the page, so the clock starts exactly at it (a Playwright click
        # would add its own round trips).
        started = page.evaluate(
            """(testid) => {
              window.__benchWatch()
              const t = performance.now()
              document.querySelector(`[data-testid="${testid}"]`).click()
              return t
            }""",
            task,
        )
        at, _ = page.wait_for_function(READY_TIMES, timeout=TIMEOUT_MS).json_value()
        tapped.append(float(at) - float(started))
        durations = page.evaluate("() => performance.getEntriesByName('checklist.open').map(e => e.duration)")
        measured.append(float(durations[-1]))
        listed.append(float(page.evaluate(EXPAND_ALL)))
    page.close()
    return measured, tapped, listed


def _shrinks(context: Any, url: str, inspection_id: int, item_id: str, picture: Path) -> list[float]:
    page = context.new_page()
    page.goto(f"{url}/inspections/{inspection_id}/items/{item_id}")
    page.get_by_test_id("item-page").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)  # past the page's start-up work, as a person's tap would be
    thumbs = page.locator('[data-testid^="thumb-"]')
    for _ in range(RUNS):
        before = thumbs.count()
        page.get_by_test_id("photo-input").set_input_files(str(picture))
        page.wait_for_function(
            "(n) => document.querySelectorAll('[data-testid^=\"thumb-\"]').length > n",
            arg=before,
            timeout=TIMEOUT_MS,
        )
    durations = page.evaluate("() => performance.getEntriesByName('photo.shrink').map(e => e.duration)")
    page.close()
    return [float(d) for d in durations]


# The steps of photo.ts's shrinkPhoto timed one by one, on the same picture in the same browser, to
# show which one dominates.
SHRINK_STAGES = """async (maxEdge) => {
  const file = document.querySelector('#bench-file').files[0]
  const times = {}
  let t = performance.now()
  const lap = (name) => { const now = performance.now(); times[name] = now - t; t = now }
  const full = await createImageBitmap(file, { imageOrientation: 'from-image' })
  lap('decode')
  const scale = maxEdge / Math.max(full.width, full.height)
  const scaled = await createImageBitmap(full, {
    resizeWidth: Math.round(full.width * scale), resizeHeight: Math.round(full.height * scale),
    resizeQuality: 'high',
  })
  lap('scale')
  const canvas = new OffscreenCanvas(scaled.width, scaled.height)
  canvas.getContext('2d').drawImage(scaled, 0, 0)
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 })
  lap('encode')
  await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())
  lap('hash')
  scaled.close()
  full.close()
  return times
}"""


def _shrink_stages(context: Any, url: str, picture: Path) -> dict[str, float]:
    page = context.new_page()
    page.goto(url + "/status")
    page.evaluate(
        "() => { const i = document.createElement('input'); i.type = 'file'; i.id = 'bench-file';"
        " i.hidden = true; document.body.append(i) }"
    )
    page.locator("#bench-file").set_input_files(str(picture))
    runs = [page.evaluate(SHRINK_STAGES, MAX_EDGE) for _ in range(RUNS)]
    page.close()
    return {stage: statistics.median(float(r[stage]) for r in runs) for stage in runs[0]}


def _chromium() -> str:
    path = os.environ.get("DABIAO_CHROMIUM") or "/usr/bin/chromium"
    if not Path(path).is_file():
        raise SystemExit("Chromium is not installed (apt-get install chromium)")
    return path


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def in_browser() -> tuple[str, list[str]]:
    """The machine line and the browser figures."""
    from playwright.sync_api import sync_playwright

    if not (DIST / "index.html").is_file():
        return "", ["browser figures skipped: the PWA is not built (cd pwa && npx vite build)"]
    with tempfile.TemporaryDirectory(prefix="dabiao-bench-") as name:
        tmp = Path(name)
        started = time.perf_counter()
        app, inspection_id, item_id, password, (lat, lon) = _prepare(tmp)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        picture = tmp / "camera.jpg"
        picture_bytes = _camera_picture(picture)
        setup = time.perf_counter() - started
        with serve_in_thread(app) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=_chromium(), args=CHROMIUM_FLAGS, headless=True
            )
            try:
                context = browser.new_context(
                    locale="zh-CN",
                    timezone_id="Asia/Shanghai",
                    viewport={"width": 390, "height": 844},
                    is_mobile=True,
                    has_touch=True,
                    permissions=["geolocation"],
                    geolocation={"latitude": lat, "longitude": lon, "accuracy": 20},
                )
                context.add_init_script(READY_WATCH)
                _install(context, url, inspection_id, password)
                context.set_offline(True)
                cold = _cold_starts(context, url, inspection_id)
                opened, tapped, listed = _checklist_opens(context, url, inspection_id)
                shrunk = _shrinks(context, url, inspection_id, item_id, picture)
                stages = _shrink_stages(context, url, picture)
                context.close()
                version = browser.version
            finally:
                browser.close()
    machine = (
        f"machine: {os.cpu_count()} cores ({_cpu()}), Chromium {version} headless, 390x844 viewport, "
        f"offline after setup; setup {setup:.0f} s"
    )
    split = ", ".join(f"{stage} {ms:.0f}" for stage, ms in stages.items())
    return machine, [
        f"offline cold start to an interactive 300-item checklist ({RUNS} new pages, from navigation "
        f"start): {_figures(cold, COLD_START_GOAL_MS)}",
        f"opening the 300-item checklist from the task list: checklist.open {_figures(opened, OPEN_GOAL_MS)}",
        f"   tap to ready (includes loading the page's chunk from the service worker): "
        f"{_figures(tapped, OPEN_GOAL_MS)}",
        f"   then unfolding it until all 300 item rows exist: {_figures(listed, OPEN_GOAL_MS)}",
        f"shrinking a {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} photo ({picture_bytes / 1e6:.1f} MB JPEG, "
        f"EXIF orientation 6) to {MAX_EDGE} px: photo.shrink {_figures(shrunk, SHRINK_GOAL_MS)}",
        f"   its steps one by one, p50 ms: {split}",
    ]


def run() -> list[str]:
    size = first_load()
    machine, figures = in_browser()
    return [line for line in (machine, *size, *figures) if line]

"""Long documents (a province's payout sheet, tens of thousands of rows) as a PDF in bounded time
and memory. WeasyPrint keeps a whole document's layout in memory and lays it out on one core, so
a long document is cut into parts of a few dozen pages, the parts are laid out in child processes
(`workers` at a time, each part a WeasyPrint document of its own, each child with the memory of
one part), and the parts' PDFs are joined with poppler's `pdfunite`.

The parts can be laid out at the same time because the pages are planned before any part is laid
out: a page holds blocks of rows up to its height, measured on a small probe document (`probe`)
with the document's own CSS, so the plan follows the stylesheet. Every page of a part starts with
a forced break, so a part's pages are the planned ones whatever the other parts do, and each part
numbers its pages from its offset ("第 x 页 共 y 页", the total known from the plan). A part that
comes out with other pages than planned raises PagingError rather than print wrong numbers.

The HTML of every part is written to a file before any is laid out (`prepare`), so the caller can
let go of what it was made from; the renderers read their part from its file.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import multiprocessing
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from weasyprint import HTML

from server.reports.render import BASE_URL, ReportFetcher

PAGES_PER_PART = 20  # about 700 rows of a payout sheet
TASKS_PER_CHILD = 2  # then a new renderer: WeasyPrint keeps what it took (forked: cheap to replace)
WORKERS = max(1, min(2, os.cpu_count() or 1))
SLACK_LINES = 0.5  # a page is planned this many lines short of full: float rounding in layout


class PagingError(RuntimeError):
    """A part broke its pages differently from the plan: its page numbers would be wrong."""


class NoJoiner(RuntimeError):
    """pdfunite (poppler-utils) is missing: parts cannot be joined."""


@dataclass(frozen=True)
class Geometry:
    """Heights in CSS px, measured on the probe document."""

    first_room: float  # room left on the first page under the document's opening
    room: float  # a page's content height
    line: float  # one line of a block
    block: float  # a block's padding and rule, beside its lines
    heading: float  # a section heading with its margins and column header
    title: float  # a title above a section heading (the sheet's family), with its margins
    closing: float  # the closing (totals, signatures); more than `room` when it takes pages
    closing_pages: int  # pages the closing takes when it starts on a page of its own


@dataclass(frozen=True)
class Item:
    lines: int
    heading: bool
    wrap: bool = False  # may wrap more than counted: counted twice
    title: bool = False  # a title above its heading


@dataclass(frozen=True)
class Page:
    start: int
    end: int  # items [start, end) of the document


@dataclass(frozen=True)
class Part:
    """Pages of the document; `offset` pages come before it, `total` in all."""

    pages: tuple[Page, ...]
    offset: int
    total: int
    first: bool
    last: bool
    closing_breaks: bool = True  # the closing starts a page (else it ends the last page)
    closing_pages: int = 0  # pages of the closing in this part (the last) when it starts a page

    @property
    def start(self) -> int:
        return self.pages[0].start if self.pages else 0

    @property
    def end(self) -> int:
        return self.pages[-1].end if self.pages else 0

    @property
    def page_count(self) -> int:
        return len(self.pages) + self.closing_pages


def item_height(item: Item, g: Geometry) -> float:
    lines = item.lines * (2 if item.wrap else 1)
    heading = (g.heading if item.heading else 0.0) + (g.title if item.title else 0.0)
    return lines * g.line + g.block + heading


def plan(items: Sequence[Item], g: Geometry, pages_per_part: int | None = None) -> list[Part]:
    """The document's pages and parts: pages filled with whole items in order (a heading stays
    with the block after it), the first page under the opening, the closing after the last item
    when it fits there, else on pages of its own."""
    pages: list[Page] = []
    start, used, room = 0, 0.0, g.first_room - SLACK_LINES * g.line
    for n, item in enumerate(items):
        h = item_height(item, g)
        if used + h > room and (n > start or (pages == [] and room < g.room)):
            pages.append(Page(start, n))
            start, used, room = n, 0.0, g.room - SLACK_LINES * g.line
        used += h
    if start < len(items) or not pages:
        pages.append(Page(start, len(items)))
    left = (g.first_room if len(pages) == 1 else g.room) - SLACK_LINES * g.line - used
    closing_breaks = g.closing > left
    closing_pages = g.closing_pages if closing_breaks else 0
    total = len(pages) + closing_pages
    per_part = pages_per_part or PAGES_PER_PART
    parts = []
    for first in range(0, len(pages), per_part):
        chunk = tuple(pages[first : first + per_part])
        last = first + per_part >= len(pages)
        parts.append(
            Part(chunk, first, total, first == 0, last, closing_breaks, closing_pages if last else 0)
        )
    return parts


# --- measuring ---------------------------------------------------------------------------------------

PROBE_ANCHORS = (
    "opening-end",
    "before",
    "one-line",
    "two-lines",
    "after",
    "titled",
    "closing",
    "closing-end",
)


def measure(html: str, fetcher: ReportFetcher) -> Geometry:
    """Geometry from the probe document, whose anchors (ids) are, in order: `opening-end` after
    the document's opening on its first page; on the second page `before` on a block of one line
    that starts the page, then a section heading, `one-line` on a block of one line, `two-lines`
    on a block of two, `after` after it, then a title and a section heading and `titled` on a block
    of one line; from the third page `closing` on the closing, which starts that page, and
    `closing-end` after it."""
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
    pages = document.pages
    found: dict[str, tuple[int, float]] = {}
    for number, page in enumerate(pages):
        for name, rectangle in page.anchors.items():  # (x1, y1, x2, y2) of the border box
            found.setdefault(name, (number, rectangle[1]))
    missing = [a for a in PROBE_ANCHORS if a not in found]
    if missing or len(pages) < 3:
        raise PagingError(f"probe: anchors {missing} missing, {len(pages)} pages")
    y = {name: at for name, (_, at) in found.items()}
    one = y["two-lines"] - y["one-line"]  # a block of one line
    line = (y["after"] - y["two-lines"]) - one
    top, bottom = y["before"], _content_bottom(pages[1])
    closing_page, closing_end = found["closing-end"]
    start_page, start = found["closing"]
    fits = closing_page == start_page
    return Geometry(
        first_room=bottom - y["opening-end"],
        room=bottom - top,
        line=line,
        block=one - line,
        heading=y["one-line"] - y["before"] - one,
        title=y["titled"] - y["after"] - (y["one-line"] - y["before"] - one),
        closing=closing_end - start if fits else float("inf"),
        closing_pages=closing_page - start_page + 1,
    )


def _content_bottom(page: Any) -> float:
    """Where a page's content area ends: WeasyPrint's page box has the used margins."""
    box = page._page_box
    return float(box.content_box_y() + box.height)


# --- laying out -------------------------------------------------------------------------------------


@functools.cache
def _context() -> multiprocessing.context.BaseContext:
    """Part renderers are forked from a fork server that has imported WeasyPrint (a fresh
    interpreter takes about a second to import it), so a renderer can be replaced often, which
    bounds its memory, at little cost. The fork server is a clean process of its own (no
    threads, no database connections of the caller's); it exits with the process that started
    it, and the renderers die with it (`_child_start`)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def release_memory() -> None:
    """Collects garbage and gives the C heap's free pages back to the system (glibc's
    malloc_trim): what a big document or sheet took is otherwise kept by the process after it is
    freed, and counts against the job's memory while its renderers work."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def _child_start() -> None:
    """A part renderer dies with the process that started it (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _fetcher() -> ReportFetcher:
    def no_evidence(key: str) -> bytes:
        raise KeyError(key)  # a part lists no evidence, so this is never reached

    return ReportFetcher(no_evidence, ())


def render_part(source: str, path: str, pages: int) -> int:
    """Lay out one part from its HTML file `source` and write it to `path`; in a child process.
    Returns its page count."""
    html = Path(source).read_text(encoding="utf-8")
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher()).render()
    if len(document.pages) != pages:
        raise PagingError(f"{Path(path).name}: {len(document.pages)} pages, {pages} planned")
    document.write_pdf(path)
    del document, html
    release_memory()  # before the renderer's next part: what this one's layout and fonts took
    return pages


def joiner() -> str | None:
    return shutil.which("pdfunite")


@dataclass(frozen=True)
class Laid:
    """A long document ready to be laid out: its parts, and the HTML of each in a file."""

    parts: tuple[Part, ...]
    sources: tuple[Path, ...]

    @property
    def items(self) -> int:
        return self.parts[-1].end if self.parts else 0


def prepare(html_of: Callable[[Part], str], parts: Sequence[Part], directory: Path) -> Laid:
    """Write the HTML of every part to a file in `directory`: whatever the HTML was made from
    (a province's sheet, tens of MB) can then be let go before the parts are laid out."""
    sources = []
    for n, part in enumerate(parts):
        source = directory / f"part-{n:05d}.html"
        source.write_text(html_of(part), encoding="utf-8")
        sources.append(source)
    return Laid(tuple(parts), tuple(sources))


def write_parts(
    laid: Laid,
    out: BinaryIO,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> int:
    """Lay out the parts, `workers` at a time in child processes, and write the joined PDF to
    `out`; returns its page count. `progress(items done, items)` as parts are done."""
    parts, items = laid.parts, laid.items
    pdfunite = joiner()
    if len(parts) > 1 and pdfunite is None:
        raise NoJoiner("pdfunite")
    done = 0
    with tempfile.TemporaryDirectory(prefix="dabiao-pdf-") as tmp:
        paths = [str(Path(tmp) / f"part-{n:05d}.pdf") for n in range(len(parts))]
        with ProcessPoolExecutor(
            max_workers=workers or WORKERS,
            mp_context=_context(),
            initializer=_child_start,
            max_tasks_per_child=TASKS_PER_CHILD,
        ) as pool:
            # Parts are submitted as others finish, a few ahead: CPython 3.11 replaces a renderer
            # that reached max_tasks_per_child only when work is submitted (all submitted at
            # once, the pool can wait for ever with no renderer left).
            running: dict[Future[int], Part] = {}
            # the last part first: it holds the closing (a province's county totals take pages),
            # so the renderers do not end on it one alone
            entries = list(zip(parts, laid.sources, paths, strict=True))
            queue = iter(entries[-1:] + entries[:-1])
            limit = (workers or WORKERS) + 1
            try:
                while True:
                    while len(running) < limit and (nxt := next(queue, None)) is not None:
                        part, source, path = nxt
                        running[pool.submit(render_part, str(source), path, part.page_count)] = part
                    if not running:
                        break
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        part = running.pop(future)
                        future.result()  # a part that failed fails the document
                        done += part.end - part.start
                        if progress is not None:
                            progress(done, items)
            except BaseException:
                for future in running:
                    future.cancel()
                raise
        target = Path(tmp) / "document.pdf"
        if len(paths) == 1:
            target = Path(paths[0])
        else:
            assert pdfunite is not None
            subprocess.run([pdfunite, *paths, str(target)], check=True, capture_output=True)
        with target.open("rb") as joined:
            shutil.copyfileobj(joined, out, 1 << 20)
    return parts[-1].offset + parts[-1].page_count if parts else 0

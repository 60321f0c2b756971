"""Long documents (a province's payout sheet, tens of thousands of rows) as a PDF with bounded
memory: WeasyPrint keeps a whole document's layout in memory, so the document is laid out in
parts of a few hundred blocks, each a WeasyPrint document of its own, and the parts' PDFs are
joined with pypdf.

The parts break exactly where one long document would: a part is laid out, its last page is
dropped and the blocks that started on it begin the next part (anchors tell which: a block has
`id="b<n>"` and the heading before it, if any, `id="h<n>"`). Page numbers run across the whole
document ("第 x 页 共 y 页"): a first pass lays the parts out to count their pages, the second lays
them out again with the page offset and the total, and writes them. Page footers take no room in
the flow, so both passes break the same way (checked).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pypdf import PdfReader, PdfWriter
from weasyprint import HTML

from server.reports.render import BASE_URL, ReportFetcher

BLOCKS_PER_PART = 300  # 1,500 rows of a payout sheet: about 60 pages, some 150 MB of layout


@dataclass(frozen=True)
class Part:
    """Blocks [start, end) of the document, on pages numbered from offset + 1 of total."""

    start: int
    end: int
    heading_done: bool  # the heading before block `start` is already on an earlier page
    tail_heading: bool = False  # the part ends with the heading before block `end`
    offset: int = 0
    total: int | None = None  # None while counting pages

    @property
    def first(self) -> bool:
        return self.start == 0


class PagingError(RuntimeError):
    """The second pass broke pages differently from the first: the page numbers would be wrong."""


def _layout(html: str, fetcher: ReportFetcher) -> object:
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()


def write_parts(
    html_of: Callable[[Part, int], str],
    blocks: int,
    fetcher: Callable[[], ReportFetcher],
    out: BinaryIO,
    progress: Callable[[int, int], None] | None = None,
    blocks_per_part: int | None = None,
) -> int:
    """Write the document to `out`; returns its page count. `html_of(part, blocks)` is the HTML
    of the part (the whole document's beginning when part.first, its end when part.end equals
    `blocks`). `progress(done, total)` counts blocks, across both passes."""
    per_part = blocks_per_part or BLOCKS_PER_PART
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done // 2, blocks)

    # pass 1: where each part ends and how many pages it keeps
    parts: list[tuple[Part, int]] = []
    start, heading_done = 0, False
    while True:
        size = per_part
        while True:  # a part whose blocks all fit on its first page grows: its end must not break a page
            end = min(start + size, blocks)
            part = Part(start, end, heading_done)
            document = _layout(html_of(part, blocks), fetcher())
            pages = document.pages  # type: ignore[attr-defined]
            if end == blocks or (len(pages) > 1 and f"b{start}" not in pages[-1].anchors):
                break
            size *= 2
        carry, heading_done = end, False
        if end < blocks and len(pages) > 1:
            last = pages[-1].anchors
            on_last = next((n for n in range(start, end) if f"b{n}" in last), None)
            if on_last is not None and on_last > start:
                carry = on_last
                heading_done = any(f"h{on_last}" in page.anchors for page in pages[:-1])
        kept = len(pages) if carry == end else len(pages) - 1
        parts.append((Part(start, carry, part.heading_done, tail_heading=heading_done), kept))
        advance(carry - start)
        del document, pages
        if carry >= blocks:
            break
        start = carry

    # pass 2: the same parts with their page numbers, each written to a file, then joined
    total = sum(kept for _, kept in parts)
    with tempfile.TemporaryDirectory(prefix="dabiao-pdf-") as tmp:
        files = []
        offset = 0
        for n, (part, kept) in enumerate(parts):
            numbered = Part(part.start, part.end, part.heading_done, part.tail_heading, offset, total)
            document = _layout(html_of(numbered, blocks), fetcher())
            pages = document.pages  # type: ignore[attr-defined]
            if len(pages) != kept:
                raise PagingError(f"part {n}: {len(pages)} pages, {kept} expected")
            path = Path(tmp) / f"part-{n:05d}.pdf"
            document.copy(pages[:kept]).write_pdf(path)  # type: ignore[attr-defined]
            files.append(path)
            offset += kept
            advance(part.end - part.start)
            del document, pages
        writer = PdfWriter()
        for path in files:
            writer.append(str(path))
        if files:
            writer.add_metadata(PdfReader(files[0]).metadata or {})
        writer.write(out)
        writer.close()
    return total

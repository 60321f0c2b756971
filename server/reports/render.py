"""PDF rendering with WeasyPrint, behind a URL fetcher that serves only our own resources.

The HTML and CSS may contain text that came from users (facility names, notes, reasons): Jinja
escapes it, every expression loses its bidirectional controls on the way out (`shown`, the
environment's `finalize`, so no template can forget it), and whatever URL still reaches WeasyPrint
goes through `ReportFetcher`, which answers only `dabiao-asset:` (files in server/reports/assets),
`dabiao-evidence:` (thumbnails the report lists) and `dabiao-rules:` (a table's rules, drawn from
the column widths in the URL), and refuses everything else: no file://, no http(s)://, no data
from anywhere else.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from PIL import ImageFile
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from server.domain import display

# Importing WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole process; the report
# only embeds thumbnails we made ourselves, so put Pillow's safe default back for everyone else.
ImageFile.LOAD_TRUNCATED_IMAGES = False

HERE = Path(__file__).resolve().parent
ASSETS = HERE / "assets"
ASSET_SCHEME = "dabiao-asset:"
EVIDENCE_SCHEME = "dabiao-evidence:"
RULES_SCHEME = "dabiao-rules:"
BASE_URL = ASSET_SCHEME + "/"


class RefusedURL(ValueError):
    pass


class ReportFetcher(URLFetcher):  # type: ignore[misc]
    """Serves report assets and the listed evidence thumbnails; refuses every other URL."""

    def __init__(self, thumbnails: Callable[[str], bytes], allowed_keys: Iterable[str]) -> None:
        super().__init__(timeout=1, allowed_protocols=set(), allow_redirects=False)
        self._thumbnails = thumbnails
        self._allowed = set(allowed_keys)
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith(ASSET_SCHEME):
            name = url[len(ASSET_SCHEME) :].lstrip("/")
            path = (ASSETS / name).resolve()
            if path.parent == ASSETS and path.is_file():
                self.served.append(url)
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
        elif url.startswith(RULES_SCHEME):
            svg = rules_svg(url[len(RULES_SCHEME) :])
            if svg is not None:
                self.served.append(url)
                return URLFetcherResponse(url, svg, {"Content-Type": "image/svg+xml"})
        elif url.startswith(EVIDENCE_SCHEME):
            key = url[len(EVIDENCE_SCHEME) :].lstrip("/")
            if key in self._allowed:
                self.served.append(url)
                return URLFetcherResponse(url, self._thumbnails(key), {"Content-Type": "image/jpeg"})
        self.refused.append(url)
        raise RefusedURL(f"refused: {url[:200]}")


_RULES = re.compile(r"^(lines|edges)/(\d{1,3}(?:\.\d{1,2})?(?:,\d{1,3}(?:\.\d{1,2})?){0,19})$")


def rules_svg(spec: str) -> bytes | None:
    """A table's rules as a tile of one line's height to repeat down its rows: the edges between
    columns of these widths (mm), and with `lines` a rule under the line. Drawing a table's rules
    as one image instead of a border per cell spares WeasyPrint a drawing per cell; the tile is
    made from its URL alone (dabiao-rules:lines/9,93.5,30), so a part renderer needs nothing else."""
    found = _RULES.match(spec)
    if found is None:
        return None
    widths = [float(w) for w in found.group(2).split(",")]
    total = sum(widths) or 1.0
    marks, x = [], 0.0
    for width in widths[:-1]:
        x += width
        left = x * 100 / total - 0.035
        marks.append(f'<rect x="{left:.3f}" y="0" width="0.07" height="100" fill="#c9ced6"/>')
    if found.group(1) == "lines":
        marks.append('<rect x="0" y="97" width="100" height="3" fill="#c9ced6"/>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100" '
        f'preserveAspectRatio="none">{"".join(marks)}</svg>'
    ).encode()


def shown(value: Any) -> Any:
    """Every `{{ expression }}` of every template as it is written out: text without bidirectional
    controls (server.domain.display), markup kept markup, anything else as it is."""
    if isinstance(value, Markup):
        return Markup(display.clean(str(value)))  # noqa: S704 - markup we made, only characters removed
    if isinstance(value, str):
        return display.clean(value)
    return value


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=shown,
    )
    env.filters["yuan"] = lambda value: f"{int(value):,}"
    return env


_env = _environment()


def render_html(template: str, **context: Any) -> str:
    return _env.get_template(template).render(**context)


def write_pdf(html: str, fetcher: ReportFetcher) -> bytes:
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf()
    return pdf

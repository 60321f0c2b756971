"""Widths of text in the documents' font, read from the font file (fontTools), so a table's rows
can be arranged before WeasyPrint lays them out (server/domain/payouts.py: which values fit their
column on one line). The font is the one fontconfig gives WeasyPrint for the family name, so the
widths are those of the glyphs drawn.
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Callable

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

FAMILY = "Noto Sans CJK SC"  # report.css
MM_PER_PT = 25.4 / 72


class FontMissing(RuntimeError):
    """fontconfig has no font of the family (Debian: fonts-noto-cjk, fontconfig)."""


@functools.cache
def _advances(family: str) -> tuple[dict[int, int], int]:
    """Each character's advance in font units, and the units per em."""
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{family}\n%{file}\n%{index}", family],
            capture_output=True,
            check=True,
            text=True,
            timeout=30,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError) as exc:
        raise FontMissing(f"fc-match: {exc}") from exc
    if len(found) != 3 or family not in found[0].split(","):
        raise FontMissing(f"no {family} font: fontconfig offers {found[0]!r}")
    with TTFont(found[1], fontNumber=int(found[2] or 0), lazy=True) as font:
        widths = font["hmtx"].metrics
        advances = {cp: widths[glyph][0] for cp, glyph in font.getBestCmap().items()}
        return advances, int(font["head"].unitsPerEm)


def measure(size_pt: float, family: str = FAMILY) -> Callable[[str], float | None]:
    """A function giving a text's width in mm at `size_pt` (the sum of its characters' advances:
    the documents set no letter spacing), or None when the font lacks one of its characters."""
    advances, units = _advances(family)
    scale = size_pt * MM_PER_PT / units

    def width(text: str) -> float | None:
        total = 0
        for ch in text:
            advance = advances.get(ord(ch))
            if advance is None:
                return None
            total += advance
        return total * scale

    return width

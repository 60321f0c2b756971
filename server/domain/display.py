"""Text as it is shown to people: in reports, payout sheets (PDF and XLSX) and the verify page.

Bidirectional embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069) reorder
the characters after them on screen and on paper (U+202E then "abc.exe" reads "exe.cba"), so a
facility name or a note could make a report say something other than what is stored. Wherever
user text is shown they are removed. The left-to-right and right-to-left marks (U+200E, U+200F)
and the Arabic letter mark (U+061C) only nudge neutral characters and cannot reorder anything
else; they are kept. The PWA does the same to every string it receives (pwa/src/api/client.ts).

The stored values are not changed: the audit trail and the report snapshots keep what was typed.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")


def clean(text: str) -> str:
    """`text` without bidirectional controls."""
    return _BIDI.sub("", text)

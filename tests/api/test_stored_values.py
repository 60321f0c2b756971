"""No stored value can break a view of an inspection.

Every write path is given values at the edge of what the boundary accepts: the longest notes and
reasons, text in several scripts with emoji, combining marks and bidirectional controls, the
first and last dates of the accepted range, coordinates on the poles and the date line, the
largest sample seed. Then every view of the inspection is read, on both engines: detail, score,
history, conflicts, evidence list and thumbnails, bootstrap, audit, the PDF report, and approval.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from server.db.models import Answer, Inspection
from server.extensions import db
from tests.api.test_evidence import post_photo
from tests.api.test_reports import pdf_text
from tests.api.world import MINI_ANSWERS, World, change
from tests.photos import jpeg

# 2,000 characters (the note limit): scripts, emoji (surrogate pairs on the wire), a combining
# mark, right-to-left text with an override, tabs and line breaks, XML and HTML specials.
PIECES = "维吾尔 ئۇيغۇرچە \u202eRLO\u202c ﷺ 😀👩‍⚕️ é\u0301 <b>&amp;</b> ' \" \\ \t\n\r 𠀀 "
LONGEST_NOTE = (PIECES * 100)[:2000]
NO_BREAKS = "零" * 2000


def act(world: World, who: str, inspection: Inspection, action: str, reason: str | None = None) -> Any:
    body: dict[str, Any] = {"action": action}
    if reason is not None:
        body["reason"] = reason
    response = world.call(who, "POST", f"/api/inspections/{inspection.id}/transitions", body)
    assert response.status_code == 200, response.json
    return response


def edge_changes(inspection_id: int) -> list[dict[str, Any]]:
    result = []
    for index, (item_id, grade) in enumerate(MINI_ANSWERS.items()):
        extra: dict[str, Any] = {"note": LONGEST_NOTE if index % 2 else NO_BREAKS}
        if item_id == "M-B08":
            extra["document_date"] = "2026-11-20"  # the inspection day: the latest a document may be dated
        if item_id == "M-R4":
            extra["valid_until"] = "2100-12-31"
        extra["device_time"] = (
            "2100-12-31T09:59:59.999999+14:00" if index % 2 else "1900-01-02T00:00:00-12:00"
        )
        result.append(change(inspection_id, item_id, grade, **extra))
    return result


def read_every_view(world: World, who: str, inspection: Inspection) -> dict[str, Any]:
    base = f"/api/inspections/{inspection.id}"
    found: dict[str, Any] = {}
    for name, path in {
        "detail": base,
        "score": f"{base}/score",
        "history": f"{base}/history",
        "conflicts": f"{base}/conflicts",
        "evidence": f"{base}/evidence",
        "report": f"{base}/report",
    }.items():
        response = world.call(who, "GET", path)
        assert response.status_code == 200, (name, response.get_data(as_text=True)[:500])
        found[name] = response
    for row in found["evidence"].json:
        for kind in ("thumbnail", "content"):
            response = world.call(who, "GET", f"/api/evidence/{row['id']}/{kind}")
            assert response.status_code == 200, kind
            assert response.get_data()
            response.close()  # a streamed download holds the request context until closed
    return found


def test_values_at_every_limit_pass_through_every_write_path_and_every_view(
    world: World, tmp_path: Path
) -> None:
    inspection = world.inspection()
    receipts = world.sync("inspector", edge_changes(inspection.id)).json["receipts"]
    assert {r["status"] for r in receipts} == {"applied"}, receipts

    # a conflict kept for a person, with the longest note
    stale = change(inspection.id, "M-B01", "B", base=0, note=LONGEST_NOTE)
    assert world.sync("inspector", [stale]).json["receipts"][0]["status"] == "conflict"
    conflict = world.call("inspector", "GET", f"/api/inspections/{inspection.id}/conflicts").json[0]
    resolved = world.call(
        "inspector",
        "POST",
        f"/api/inspections/{inspection.id}/conflicts/{conflict['id']}/resolution",
        {"accept": False, "reason": LONGEST_NOTE},
    )
    assert resolved.status_code == 200, resolved.json

    # photos with claims at the edges of the accepted ranges and an odd file name
    for latitude, longitude, taken in (
        (90.0, 180.0, "2100-12-31T23:59:59+14:00"),
        (-90.0, -180.0, "1900-01-02T00:00:00Z"),
    ):
        response = post_photo(
            world,
            "inspector",
            inspection,
            jpeg(seed=secrets.randbelow(1000)),
            item="M-B01",
            name="\u202egpj.exe 照片 " + "长" * 300 + ".jpg",
            captured_at=taken,
            latitude=str(latitude),
            longitude=str(longitude),
        )
        assert response.status_code == 201, response.json

    bootstrap = world.call("inspector", "GET", "/api/sync/bootstrap")
    assert bootstrap.status_code == 200
    stored = bootstrap.json["assignments"][0]["answers"]
    assert stored["M-B02"]["note"] == LONGEST_NOTE
    assert stored["M-R4"]["valid_until"] == "2100-12-31"

    act(world, "inspector", inspection, "submit", reason=LONGEST_NOTE)
    act(world, "county_reviewer", inspection, "start_county_review")
    current = db.session.query(Answer).filter_by(inspection_id=inspection.id, item_id="M-B03").one()
    regrade = world.call(
        "county_reviewer",
        "PUT",
        f"/api/inspections/{inspection.id}/items/M-B03/grade",
        {"grade": "C", "base_revision": current.revision, "reason": LONGEST_NOTE, "note": NO_BREAKS},
    )
    assert regrade.status_code == 200, regrade.json
    act(world, "county_reviewer", inspection, "county_approve", reason=NO_BREAKS)

    views = read_every_view(world, "county_reviewer", inspection)
    assert views["score"].json["complete"] is True
    assert views["detail"].json["answers"]["M-B02"]["note"] == LONGEST_NOTE
    # Text with no break point is wrapped, never cut: every character of every such note (eight
    # answers, M-B03's regraded note among them) and of the approval's reason is in the text,
    # whatever page it falls on.
    text = pdf_text(views["report"].data, tmp_path)
    assert text.count("零") == 9 * 2000
    assert LONGEST_NOTE.split()[0] in text

    act(world, "city_reviewer", inspection, "start_city_review")
    act(world, "city_reviewer", inspection, "approve", reason=LONGEST_NOTE)
    read_every_view(world, "city_reviewer", inspection)
    sample = world.call("city_reviewer", "POST", "/api/samples", {"size": 1, "seed": 2**48})
    assert sample.status_code in (201, 409), sample.json
    audit = world.call("admin", "GET", "/api/audit?limit=1000")
    assert audit.status_code == 200

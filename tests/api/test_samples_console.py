"""The city's samples as its console draws and follows them (/api/samples): by size or rate, from
the county-approved inspections of a period not drawn before; the drawn list with the progress of
its re-review; the samples of the city listed with their progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

from server.db.models import Inspection
from server.extensions import db
from tests.api.test_review_queue import act, county_approved
from tests.api.world import World


def dated(inspection: Inspection, day: str) -> Inspection:
    inspection.inspection_date = dt.date.fromisoformat(day)
    db.session.commit()
    return inspection


def draw(world: World, **body: Any) -> Any:
    return world.call("city_reviewer", "POST", "/api/samples", body)


def test_a_sample_by_rate_of_a_period_shows_its_population_and_progress(world: World) -> None:
    november = [dated(county_approved(world, f), "2026-11-20") for f in ("own", "own2")]
    october = dated(county_approved(world, "own"), "2026-10-10")
    refused = draw(world, rate_percent=50, since="2026-11-30", until="2026-11-01")
    assert (refused.status_code, refused.json["error"]["code"]) == (422, "sample.invalid_period")
    both = draw(world, size=1, rate_percent=10)
    assert (both.status_code, both.json["error"]["code"]) == (422, "sample.invalid_size")

    response = draw(world, rate_percent=50, since="2026-11-01", until="2026-11-30", seed=5)
    assert response.status_code == 201, response.json
    sample = response.json
    assert sorted(sample["population"]) == sorted(i.id for i in november)  # not October's
    assert (sample["size"], sample["rate_percent"], sample["period_start"]) == (1, 50, "2026-11-01")
    assert sample["drawn_by_name"] == "city_reviewer" and sample["region_name"] == "开封市"
    [row] = sample["rows"]
    assert (row["status"], row["review_state"]) == ("county_approved", "waiting")
    assert row["facility_name"] in ("通许县城关镇卫生院", "通许县练城乡卫生院")

    # what was drawn is not drawn again: the next sample of November takes the other one
    again = draw(world, size=5, since="2026-11-01", until="2026-11-30").json
    assert again["population"] == [i.id for i in november if i.id != row["inspection_id"]]
    assert (
        draw(world, size=1, since="2026-11-01", until="2026-11-30").json["error"]["code"]
        == "sample.empty_population"
    )

    drawn = db.session.get(Inspection, row["inspection_id"])
    assert act(world, "city_reviewer", drawn, "start_city_review").status_code == 200
    listed = world.call("admin", "GET", "/api/samples").json
    assert [s["id"] for s in listed] == [again["id"], sample["id"]]
    assert listed[1]["review"] == {"waiting": 0, "in_review": 1, "sent_back": 0, "done": 0}
    assert listed[1]["rows"] == []
    detail = world.call("city_reviewer", "GET", f"/api/samples/{sample['id']}").json
    assert detail["rows"][0]["review_state"] == "in_review"
    assert october.status == "county_approved"  # outside every period drawn so far
    assert world.call("other_city_reviewer", "GET", "/api/samples").json == []

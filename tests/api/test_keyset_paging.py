"""Lists paged by keyset cursors, and the region tree one level at a time.

Paging through a list with a small limit gives every row exactly once, in the list's order, also
when rows are inserted between two pages; every page keeps to the caller's region; a cursor that
is not one the server gave is refused with the one error shape. The region tree answers one level
per request, each region saying how many subregions it has, and nothing outside the caller's
region, which answers like a region that does not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import update

from server.db.models import Facility, Inspection, Region
from server.extensions import db
from tests.api.world import World, add_facility

DAY = dt.date(2026, 11, 20)


def get(world: World, who: str, path: str, **query: Any) -> Any:
    response = world.call(who, "GET", f"{path}?{urlencode(query)}")
    assert response.status_code == 200, response.json
    return response.json


def pages(
    world: World,
    who: str,
    path: str,
    rows: Callable[[Any], list[Any]],
    between: Callable[[int], None],
    **query: Any,
) -> tuple[list[Any], int]:
    """Every row of a list, page by page; `between(n)` runs before page n + 1 is fetched."""
    seen: list[Any] = []
    after: str | None = None
    count = 0
    while True:
        body = get(world, who, path, **query, **({"after": after} if after else {}))
        seen += rows(body)
        count += 1
        assert count < 50, "the pages never end"
        after = body["next"]
        if after is None:
            return seen, count
        between(count)


def dated(world: World, facility: str, date: dt.date) -> Inspection:
    if facility == "sibling":  # made by 兰考's own county reviewer
        body = {
            "facility_id": world.facilities["sibling"].id,
            "checklist_id": "mini-test",
            "checklist_version": 1,
            "kind": "county_inspection",
            "inspection_date": "2026-11-20",
            "inspector_ids": [world.users["sibling_inspector"].id],
        }
        response = world.call("sibling_county_reviewer", "POST", "/api/inspections", body)
        assert response.status_code == 201, response.json
        inspection_id = response.json["id"]
    else:
        inspection_id = world.inspection(facility=facility).id
    db.session.execute(update(Inspection).where(Inspection.id == inspection_id).values(inspection_date=date))
    db.session.commit()
    found = db.session.get(Inspection, inspection_id)
    assert found is not None
    return found


def key(row: dict[str, Any]) -> tuple[str, int]:
    return row["inspection_date"], row["id"]


# --- inspections: the queue and the plain list ----------------------------------------------------


@pytest.mark.parametrize("path", ["/api/inspections/queue", "/api/inspections"])
@pytest.mark.parametrize("tier", [None, "incomplete"])
def test_inspection_pages_give_every_row_once_in_order_while_rows_arrive(
    world: World, path: str, tier: str | None
) -> None:
    offsets = [0, 0, 3, 1, 3, 3, 7, 2, 0, 5, 3]  # days before DAY: equal dates order by id
    made = [dated(world, ("own", "own2")[n % 2], DAY - dt.timedelta(days=d)) for n, d in enumerate(offsets)]
    sibling = dated(world, "sibling", DAY)
    arrived: list[Inspection] = []

    def arrive(n: int) -> None:  # newer, older and same-day rows, before and after the cursor
        if n > 3:
            return  # (a list growing faster than it is read would never end)
        for days in (-1, 3, 9):
            arrived.append(dated(world, "own", DAY - dt.timedelta(days=days + n)))

    def rows(body: Any) -> list[Any]:
        return [r.get("inspection", r) for r in body["items"]]

    query = {"limit": 2, **({"tier": tier} if tier else {})}
    seen, count = pages(world, "county_reviewer", path, rows, arrive, **query)
    ids = [r["id"] for r in seen]
    assert len(ids) == len(set(ids))  # nothing twice
    assert {i.id for i in made} <= set(ids)  # nothing that was there from the start is missed
    assert sibling.id not in ids  # every page inside the county
    assert {r["region_code"] for r in seen} == {"410222"}
    assert [key(r) for r in seen] == sorted((key(r) for r in seen), reverse=True)
    assert count >= len(made) // 2
    # a row that arrived after the cursor passed its place is not shown; one ahead of it is
    assert set(ids) - {i.id for i in made} <= {i.id for i in arrived}


def test_the_queue_total_and_next_on_the_last_page(world: World) -> None:
    made = [dated(world, "own", DAY - dt.timedelta(days=n)) for n in range(5)]
    first = get(world, "county_reviewer", "/api/inspections/queue", limit=2)
    assert first["total"] == 5 and first["counts"]["all"] == 5
    assert [r["inspection"]["id"] for r in first["items"]] == [made[0].id, made[1].id]
    assert first["next"] == f"{made[1].inspection_date.isoformat()}.{made[1].id}"
    second = get(world, "county_reviewer", "/api/inspections/queue", limit=2, after=first["next"])
    third = get(world, "county_reviewer", "/api/inspections/queue", limit=2, after=second["next"])
    assert [r["inspection"]["id"] for r in third["items"]] == [made[4].id]
    assert third["next"] is None and third["total"] == 5
    exactly = get(world, "county_reviewer", "/api/inspections/queue", limit=5)
    assert exactly["next"] is None and len(exactly["items"]) == 5


def test_queue_rows_name_their_county_and_township(world: World) -> None:
    db.session.add(Region(code="410222101", name="城关镇", level="township", parent_code="410222"))
    db.session.add(Region(code="410222101201", name="东街村", level="village", parent_code="410222101"))
    db.session.flush()
    world.facilities["own2"].region_code = "410222101201"
    db.session.commit()
    village = world.inspection(facility="own2")
    county = world.inspection(facility="own")
    parent = world.inspection(facility="own")  # placed directly under the city
    db.session.execute(update(Inspection).where(Inspection.id == parent.id).values(region_code="410200"))
    db.session.commit()
    rows = {r["inspection"]["id"]: r for r in get(world, "city_reviewer", "/api/inspections/queue")["items"]}
    assert (rows[village.id]["county_name"], rows[village.id]["township_name"]) == ("通许县", "城关镇")
    assert (rows[county.id]["county_name"], rows[county.id]["township_name"]) == ("通许县", None)
    assert (rows[parent.id]["county_name"], rows[parent.id]["township_name"]) == (None, None)


# --- facilities -----------------------------------------------------------------------------------


def test_facility_pages_give_every_row_once_in_order_while_rows_arrive(world: World) -> None:
    for code, name in (("410222101", "城关镇"), ("410222102", "练城乡"), ("410225101", "城关镇")):
        db.session.add(Region(code=code, name=name, level="township", parent_code=code[:6]))
    db.session.flush()
    for n in range(9):
        add_facility(("410222102", "410222", "410222101", "410225101")[n % 4], f"卫生室{n}", "D600", beds=0)
    db.session.commit()
    before = {f.id for f in db.session.scalars(db.select(Facility))}
    arrived: list[int] = []

    def arrive(n: int) -> None:  # one ahead of the cursor, one behind it
        if n > 3:
            return
        for code in ("410222", "410222102"):
            arrived.append(add_facility(code, f"新卫生室{n}{code}", "D600", beds=0).id)
        db.session.commit()

    seen, count = pages(world, "county_reviewer", "/api/facilities", lambda b: b["items"], arrive, limit=3)
    ids = [f["id"] for f in seen]
    own = {
        f.id for f in db.session.scalars(db.select(Facility).where(Facility.region_code.startswith("410222")))
    }
    assert len(ids) == len(set(ids)) and count > 2
    assert before & own <= set(ids)  # nothing there from the start is missed
    assert set(ids) <= own  # and nothing outside the county is shown
    assert set(ids) - before <= set(arrived)
    keys = [(f["region_code"], f["id"]) for f in seen]
    assert keys == sorted(keys)


def test_a_self_assessor_pages_through_only_their_facility(world: World) -> None:
    body = get(world, "self_assessor", "/api/facilities", limit=1)
    assert [f["id"] for f in body["items"]] == [world.facilities["own"].id] and body["next"] is None


# --- bad cursors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "cursor"),
    [
        ("/api/facilities", "410222.0"),
        ("/api/facilities", "410222"),
        ("/api/facilities", "41022.5"),
        ("/api/facilities", "410222.99999999999"),
        ("/api/facilities", "410222.5\n"),
        ("/api/facilities", "４１０２２２.5"),
        ("/api/facilities", "2026-11-20.5"),
        ("/api/inspections", "2026-02-30.5"),
        ("/api/inspections", "1899-12-31.5"),
        ("/api/inspections", "410222.5"),
        ("/api/inspections/queue", "2026-11-20.5%00"),
        ("/api/inspections/queue", "x" * 200),
        ("/api/regions", "4102"),
        ("/api/regions", "410222.5"),
    ],
)
def test_a_cursor_the_server_did_not_give_is_refused_in_the_one_error_shape(
    world: World, path: str, cursor: str
) -> None:
    response = world.call("city_reviewer", "GET", f"{path}?{urlencode({'after': cursor})}")
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "request.invalid"
    assert [(p["code"], p["pointer"]) for p in error["problems"]] == [("request.invalid_cursor", "/after")]
    assert "翻页标记无效" in error["problems"][0]["message"]


@pytest.mark.parametrize("path", ["/api/facilities", "/api/inspections", "/api/inspections/queue"])
def test_offset_is_no_longer_accepted(world: World, path: str) -> None:
    response = world.call("city_reviewer", "GET", f"{path}?offset=2")
    assert response.status_code == 422
    assert response.json["error"]["problems"][0]["code"] == "request.unknown_field"


# --- regions one level at a time ------------------------------------------------------------------


def add_regions() -> None:
    for n in range(1, 6):
        township = f"410222{n:03d}"
        db.session.add(Region(code=township, name=f"乡镇{n}", level="township", parent_code="410222"))
        for v in range(n - 1):  # township 1 has no villages
            code = f"{township}{v + 201:03d}"
            db.session.add(Region(code=code, name=f"村{n}-{v}", level="village", parent_code=township))
    db.session.add(Region(code="410225101", name="兰考乡镇", level="township", parent_code="410225"))
    db.session.commit()


def codes(body: Any) -> list[str]:
    return [r["code"] for r in body["items"]]


def test_without_a_parent_the_tree_starts_at_the_users_region(world: World) -> None:
    add_regions()
    county = get(world, "county_reviewer", "/api/regions")
    assert county["region"] == {
        "code": "410222",
        "name": "通许县",
        "level": "county",
        "parent_code": "410200",
        "children": 5,
        "has_children": True,
    }
    assert codes(county) == [f"410222{n:03d}" for n in range(1, 6)]
    counts = [(r["children"], r["has_children"]) for r in county["items"]]
    assert counts == [(n - 1, n > 1) for n in range(1, 6)]
    assert county["next"] is None
    city = get(world, "city_reviewer", "/api/regions")
    assert city["region"]["code"] == "410200" and codes(city) == ["410222", "410225"]
    assert [r["children"] for r in city["items"]] == [5, 1]


def test_a_parent_gives_its_children_inside_the_users_region_only(world: World) -> None:
    add_regions()
    villages = get(world, "county_reviewer", "/api/regions", parent="410222004")
    assert villages["region"]["code"] == "410222004" and villages["region"]["children"] == 3
    assert codes(villages) == ["410222004201", "410222004202", "410222004203"]
    assert {r["level"] for r in villages["items"]} == {"village"}
    assert all(not r["has_children"] for r in villages["items"])
    leaf = get(world, "county_reviewer", "/api/regions", parent="410222004201")
    assert leaf["items"] == [] and leaf["next"] is None
    # outside the user's region answers exactly like a region that does not exist
    missing = world.call("county_reviewer", "GET", "/api/regions?parent=410222999")
    for outside in ("410225", "410225101", "410200", "410000", "410102"):
        response = world.call("county_reviewer", "GET", f"/api/regions?parent={outside}")
        assert (response.status_code, response.json) == (missing.status_code, missing.json)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "http.not_found"
    assert codes(get(world, "city_reviewer", "/api/regions", parent="410225")) == ["410225101"]
    assert world.call("city_reviewer", "GET", "/api/regions?parent=410000").status_code == 404


def test_a_level_is_paged_by_code(world: World) -> None:
    add_regions()
    seen, count = pages(world, "county_reviewer", "/api/regions", codes, lambda n: None, limit=2)
    assert seen == [f"410222{n:03d}" for n in range(1, 6)] and count == 3
    first = get(world, "county_reviewer", "/api/regions", limit=2)
    assert first["next"] == "410222002"
    last = get(world, "county_reviewer", "/api/regions", limit=2, after="410222004")
    assert codes(last) == ["410222005"] and last["next"] is None

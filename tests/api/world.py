"""A small world for API tests: regions, facilities, one user per role and a logged-in client.

Regions: province 410000; city 开封 410200 with counties 通许 410222 (own) and 兰考 410225
(sibling); another city 郑州 410100 with county 410102. Passwords are made per test.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from flask.testing import FlaskClient

from server.db import checklists as checklist_queries
from server.db.models import Evidence, Facility, Inspection, Region, User
from server.domain.identifiers import uscc_check_char
from server.extensions import db
from server.services import auth, checklists
from server.settings import PROJECT_ROOT

MINI = PROJECT_ROOT / "checklists" / "examples" / "checklists" / "mini-test.v1.json"
REGIONS = [
    ("410000", "河南省", "province", None),
    ("410200", "开封市", "city", "410000"),
    ("410222", "通许县", "county", "410200"),
    ("410225", "兰考县", "county", "410200"),
    ("410100", "郑州市", "city", "410000"),
    ("410102", "中原区", "county", "410100"),
]


def uscc(region: str, serial: int) -> str:
    body = f"12{region}{serial:09d}"
    return body + uscc_check_char(body)


def load_mini_checklist() -> None:
    if checklist_queries.find_version("mini-test", 1) is None:
        data = json.loads(MINI.read_text())
        checklist_queries.add_version(
            "mini-test", 1, "quality_service", "test", data["title"], "0" * 64, data
        )


def add_facility(region: str, name: str, type_code: str = "C220", beds: int = 20) -> Facility:
    count = db.session.query(Facility).count()
    facility = Facility(
        name=name,
        type_code=type_code,
        region_code=region,
        beds=beds,
        iv_infusion=False,
        uscc=None if type_code == "D600" else uscc(region, count + 1),
        facts={},
        latitude=34.6,
        longitude=114.5,
    )
    db.session.add(facility)
    db.session.flush()
    return facility


def add_user(
    username: str, role: str, region: str, password_hash: str, facility_id: int | None = None
) -> User:
    user = User(
        username=username,
        display_name=username,
        password_hash=password_hash,
        role=role,
        region_code=region,
        facility_id=facility_id,
    )
    db.session.add(user)
    db.session.flush()
    return user


@dataclass
class World:
    client: FlaskClient
    password: str
    facilities: dict[str, Facility] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def login(self, username: str) -> str:
        if username not in self.tokens:
            response = self.client.post(
                "/api/auth/login", json={"username": username, "password": self.password}
            )
            assert response.status_code == 200, response.json
            self.tokens[username] = response.json["token"]
        return self.tokens[username]

    def call(self, username: str | None, method: str, url: str, body: Any = None, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.login(username)}"} if username else {}
        return self.client.open(url, method=method, json=body, headers=headers, **kw)

    def inspection(
        self,
        facility: str = "own",
        inspectors: tuple[str, ...] = ("inspector",),
        checklist: tuple[str, int] = ("mini-test", 1),
        kind: str = "county_inspection",
    ) -> Inspection:
        response = self.call(
            "county_reviewer" if kind == "county_inspection" else "city_reviewer",
            "POST",
            "/api/inspections",
            {
                "facility_id": self.facilities[facility].id,
                "checklist_id": checklist[0],
                "checklist_version": checklist[1],
                "kind": kind,
                "inspection_date": "2026-11-20",
                "inspector_ids": [self.users[u].id for u in inspectors],
            },
        )
        assert response.status_code == 201, response.json
        return db.session.get(Inspection, response.json["id"])  # type: ignore[return-value]

    def sync(self, username: str, changes: list[dict[str, Any]], device: str = "dev-1") -> Any:
        return self.call(username, "POST", "/api/sync", {"device_id": device, "changes": changes})


def change(inspection_id: int, item_id: str, grade: str, base: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "change_id": secrets.token_hex(8),
        "inspection_id": inspection_id,
        "item_id": item_id,
        "base_revision": base,
        "grade": grade,
        "device_time": "2026-11-20T10:00:00+08:00",
        **extra,
    }


MINI_ANSWERS = {f"M-B{i:02d}": "C" for i in range(1, 11)} | {f"M-R{i}": "C" for i in range(1, 6)}


def complete_changes(inspection_id: int) -> list[dict[str, Any]]:
    """Answers for every mini item, documents in force."""
    result = []
    for item_id, grade in MINI_ANSWERS.items():
        extra: dict[str, Any] = {}
        if item_id == "M-B08":
            extra["document_date"] = "2026-06-01"
        if item_id == "M-R4":
            extra["valid_until"] = "2027-06-01"
        result.append(change(inspection_id, item_id, grade, **extra))
    return result


def add_photo(inspection_id: int, item_id: str, uploaded_by: int) -> None:
    db.session.add(
        Evidence(
            inspection_id=inspection_id,
            item_id=item_id,
            object_key=f"t/{inspection_id}/{item_id}/{secrets.token_hex(4)}",
            sha256="0" * 64,
            size=1,
            content_type="image/jpeg",
            uploaded_by=uploaded_by,
        )
    )
    db.session.flush()


def build_world(client: FlaskClient) -> World:
    password = secrets.token_urlsafe(12)
    for code, name, level, parent in REGIONS:
        db.session.add(Region(code=code, name=name, level=level, parent_code=parent))
    db.session.flush()
    load_mini_checklist()
    checklists.sync_published(PROJECT_ROOT / "checklists")
    world = World(client, password)
    world.facilities["own"] = add_facility("410222", "通许县城关镇卫生院")
    world.facilities["own2"] = add_facility("410222", "通许县练城乡卫生院")
    world.facilities["sibling"] = add_facility("410225", "兰考县城关镇卫生院")
    world.facilities["other_city"] = add_facility("410102", "中原区某社区卫生服务中心", "B100")
    world.facilities["parent"] = add_facility("410200", "开封市直属卫生院")
    world.facilities["village"] = add_facility("410222", "通许县城关镇东街村卫生室", "D600", beds=0)
    world.facilities["village"].facts = {"tcm_corner": False}
    people = [
        ("inspector", "inspector", "410222", None),
        ("inspector2", "inspector", "410222", None),
        ("self_assessor", "self_assessor", "410222", world.facilities["own"].id),
        ("county_reviewer", "county_reviewer", "410222", None),
        ("county_reviewer2", "county_reviewer", "410222", None),
        ("city_reviewer", "city_reviewer", "410200", None),
        ("city_reviewer2", "city_reviewer", "410200", None),
        ("admin", "admin", "410200", None),
        ("finance", "finance", "410200", None),
        ("sibling_inspector", "inspector", "410225", None),
        ("sibling_county_reviewer", "county_reviewer", "410225", None),
        ("other_city_reviewer", "city_reviewer", "410100", None),
    ]
    password_hash = auth.hash_password(password)  # one hash for all: scrypt is slow on purpose
    for username, role, region, facility_id in people:
        world.users[username] = add_user(username, role, region, password_hash, facility_id)
    db.session.commit()
    return world


TODAY = dt.date(2026, 11, 20)

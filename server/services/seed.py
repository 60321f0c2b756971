"""Demo data for `make run`: a small prefecture (开封市, two counties) to click through.

It creates real-looking regions, township health centres, community centres and village clinics,
one user per role (each with a random password, printed once by the CLI) and inspections in every
workflow state. Inspections are made through the same services the app uses (create, sync,
transition), so the audit log, the answer history and the status changes are genuine, and
`flask audit verify` holds after seeding.

Idempotent: when region 410200 exists, nothing is done. Not one transaction: the services commit
step by step, like the app does; a seed interrupted half-way is cleared by recreating the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
import uuid
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from PIL import Image, ImageDraw
from PIL.ExifTags import GPS, Base

from server import registry
from server.db import lookups
from server.db.models import Facility, Inspection, Region, User
from server.domain import regions, workflow
from server.domain.access import Principal
from server.domain.checklist import NOT_APPLICABLE, NOT_MET, Checklist, evaluate_condition
from server.domain.errors import DomainError
from server.domain.identifiers import USCC_CHARSET, VILLAGE_CLINIC, uscc_check_char
from server.domain.times import china_date
from server.extensions import db
from server.services import audit, checklists, evidence, inspections, payouts, sync
from server.services.auth import hash_password

MARKER_REGION = "410200"
QS = ("qs-2023-sample", 1)  # 乡镇卫生院 / 社区卫生服务中心
QS2 = ("qs-2023-sample", 2)  # the same with the 合格标准 tier for small centres
VC = ("vc-2022-sample", 1)  # 村卫生室
BT = ("bt-2024-sample", 1)  # 三大件 of a township centre
DEVICE = "seed"

REGIONS = (("410000", "河南省"), ("410200", "开封市"), ("410222", "通许县"), ("410225", "兰考县"))

# Township segment: 0xx 街道, 1xx 镇, 2xx 乡 (统计用区划代码 rules). Per township: its health
# centre (name, type, beds) or None for a street, and three villages with a clinic each.
TOWNSHIPS: tuple[tuple[str, str, tuple[str, str, int] | None, tuple[str, ...]], ...] = (
    ("410222100", "城关镇", ("通许县城关镇卫生院", "C220", 30), ("东街村", "西街村", "南关村")),
    ("410222101", "竖岗镇", ("通许县竖岗镇中心卫生院", "C210", 60), ("张庄村", "李庄村", "后营村")),
    ("410222102", "玉皇庙镇", ("通许县玉皇庙镇中心卫生院", "C210", 50), ("王庄村", "刘庄村", "前营村")),
    ("410222103", "四所楼镇", ("通许县四所楼镇卫生院", "C220", 25), ("陈庄村", "杨庄村", "黄庄村")),
    ("410222104", "朱砂镇", ("通许县朱砂镇卫生院", "C220", 20), ("周庄村", "吴庄村", "徐庄村")),
    ("410222200", "冯庄乡", ("通许县冯庄乡卫生院", "C220", 18), ("冯庄村", "孙庄村", "马庄村")),
    ("410225001", "兰阳街道", None, ()),
    ("410225002", "惠安街道", None, ()),
    ("410225100", "堌阳镇", ("兰考县堌阳镇中心卫生院", "C210", 70), ("朱庄村", "胡庄村", "郭庄村")),
    ("410225101", "南彰镇", ("兰考县南彰镇卫生院", "C220", 30), ("何庄村", "高庄村", "林庄村")),
    ("410225102", "红庙镇", ("兰考县红庙镇卫生院", "C220", 24), ("罗庄村", "郑庄村", "梁庄村")),
    ("410225200", "三义寨乡", ("兰考县三义寨乡卫生院", "C220", 20), ("谢庄村", "宋庄村", "唐庄村")),
)
COMMUNITY_CENTRES = (
    ("410225001", "兰考县兰阳街道社区卫生服务中心", 20, True),  # (region, name, beds, 申报社区医院)
    ("410225002", "兰考县惠安街道社区卫生服务中心", 0, False),
)
# A small centre (fewer than 10 medical staff, fewer than 10,000 people served): the 合格标准
# tier of the quality-service checklist's second version applies to it.
SMALL_CENTRE = "通许县冯庄乡卫生院"
# Rough centres of the two counties, for coordinates around them.
COUNTY_CENTRE = {"410222": (34.48, 114.47), "410225": (34.82, 114.82)}


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    region_code: str
    facility_name: str | None = None


USERS = (
    DemoUser("kf_admin", "周文华", workflow.ADMIN, "410200"),
    DemoUser("kf_city", "李建国", workflow.CITY_REVIEWER, "410200"),
    DemoUser("tx_county", "张卫东", workflow.COUNTY_REVIEWER, "410222"),
    DemoUser("tx_inspector1", "刘秀英", workflow.INSPECTOR, "410222"),
    DemoUser("tx_inspector2", "陈志强", workflow.INSPECTOR, "410222"),
    DemoUser("tx_self", "赵丽", workflow.SELF_ASSESSOR, "410222", "通许县竖岗镇中心卫生院"),
    DemoUser("kf_finance", "王会计", workflow.FINANCE, "410200"),
    DemoUser("tx_admin", "孙立新", workflow.ADMIN, "410222"),  # 通许县卫健局基层卫生股
)


# --- identifiers ---------------------------------------------------------------------------------


def organization_code(serial: int) -> str:
    """A 9-character 组织机构代码 (GB 11714): eight digits and their check character."""
    body = f"{41_000_000 + serial * 7_919:08d}"[-8:]
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def demo_uscc(county_code: str, serial: int) -> str:
    """A valid 统一社会信用代码 of a public institution (12 = 事业单位, 机构编制) in that county."""
    first17 = "12" + county_code + organization_code(serial)
    assert all(ch in USCC_CHARSET for ch in first17)
    return first17 + uscc_check_char(first17)


def demo_licence(county_code: str, serial: int) -> str:
    """A 22-character 执业许可证登记号 for a village clinic without an organization code: a
    placeholder code (PDY...), the county, 12 集体, D600 村卫生室, 1 非营利."""
    return f"PDY{serial:06d}{county_code}12{VILLAGE_CLINIC}1"


# --- the demo ------------------------------------------------------------------------------------


def seed_demo(now: dt.datetime) -> dict[str, Any]:
    """Create the demo prefecture, its users and inspections; nothing when it already exists."""
    if db.session.get(Region, MARKER_REGION) is not None:
        return {"created": False}
    _require_checklists()
    taken = sorted(lookups.existing_usernames(u.username for u in USERS))
    if taken:
        raise DomainError("seed.user_exists", usernames="、".join(sorted(taken)))
    counts = _create_regions()
    facilities = _create_facilities()
    users, logins = _create_users(facilities)
    audit.record(
        "seed.demo",
        actor="cli",
        target_type="region",
        target_id=MARKER_REGION,
        after={**counts, "facilities": len(facilities), "users": len(users)},
    )
    db.session.commit()
    _create_inspections(now, facilities, users)
    # the city's reward rules, from the checklists' tier rewards: its payout sheet has amounts
    payouts.default_rules("410200", actor="seed")
    return {"created": True, "logins": logins}


def _require_checklists() -> None:
    for checklist_id, version in (QS, QS2, VC):
        try:
            checklists.get_checklist(checklist_id, version)
        except DomainError as exc:
            raise DomainError(
                "seed.checklists_missing",
                checklist_id=checklist_id,
                version=version,
                command="flask --app wsgi checklists load",
            ) from exc


def _create_regions() -> dict[str, int]:
    """The demo regions, except those already there (a bureau may have imported its province)."""
    wanted = list(REGIONS)
    for code, name, _, villages in TOWNSHIPS:
        wanted.append((code, name))
        wanted += [(f"{code}{201 + i:03d}", village) for i, village in enumerate(villages)]  # 2xx: 村委会
    rows = [
        Region(code=code, name=name, level=regions.region_level(code), parent_code=regions.parent_code(code))
        for code, name in wanted
        if db.session.get(Region, code) is None
    ]
    db.session.add_all(rows)  # parents come first in `wanted`
    db.session.flush()
    return {"regions": len(rows)}


def _coordinates(county: str, serial: int) -> tuple[float, float]:
    lat, lon = COUNTY_CENTRE[county]
    return round(lat + ((serial * 37) % 17 - 8) * 0.011, 5), round(lon + ((serial * 53) % 19 - 9) * 0.013, 5)


def _create_facilities() -> dict[str, Facility]:
    facilities: list[Facility] = []
    serial = 0
    for code, _, centre, villages in TOWNSHIPS:
        county = code[:6]
        if centre is not None:
            serial += 1
            name, type_code, beds = centre
            lat, lon = _coordinates(county, serial)
            facilities.append(
                Facility(
                    name=name,
                    type_code=type_code,
                    region_code=code,
                    uscc=demo_uscc(county, serial),
                    licence_no=f"{organization_code(serial)}{county}11{type_code}1",
                    latitude=lat,
                    longitude=lon,
                    beds=beds,
                    iv_infusion=True,
                    population_served=9_200 if name == SMALL_CENTRE else 28_000 + serial * 3_700,
                    facts={
                        "medical_staff": 8 if name == SMALL_CENTRE else 16 + beds // 2,
                        "community_hospital": False,
                        "obstetric_ultrasound": type_code == "C210",
                        "county_imaging_center": county == "410222",
                    },
                )
            )
        for i, village in enumerate(villages):
            serial += 1
            lat, lon = _coordinates(county, serial)
            township = next(t[1] for t in TOWNSHIPS if t[0] == code)
            facilities.append(
                Facility(
                    name=f"{township}{village}卫生室",
                    type_code=VILLAGE_CLINIC,
                    region_code=f"{code}{201 + i:03d}",
                    uscc=None,
                    licence_no=demo_licence(county, serial),
                    latitude=lat,
                    longitude=lon,
                    beds=0,
                    iv_infusion=serial % 5 == 0,
                    population_served=1_200 + (serial * 137) % 2_300,
                    facts={"tcm_corner": serial % 3 != 0},
                )
            )
    for region_code, name, beds, community_hospital in COMMUNITY_CENTRES:
        serial += 1
        lat, lon = _coordinates(region_code[:6], serial)
        facilities.append(
            Facility(
                name=name,
                type_code="B100",
                region_code=region_code,
                uscc=demo_uscc(region_code[:6], serial),
                licence_no=f"{organization_code(serial)}{region_code[:6]}11B1001",
                latitude=lat,
                longitude=lon,
                beds=beds,
                iv_infusion=beds > 0,
                population_served=45_000 + serial * 1_000,
                facts={
                    "medical_staff": 30 + beds,
                    "community_hospital": community_hospital,
                    "obstetric_ultrasound": False,
                    "county_imaging_center": True,
                },
            )
        )
    db.session.add_all(facilities)
    db.session.flush()
    return {f.name: f for f in facilities}


def _create_users(facilities: dict[str, Facility]) -> tuple[dict[str, User], list[tuple[str, str, str, str]]]:
    users: dict[str, User] = {}
    logins = []
    for spec in USERS:
        password = secrets.token_urlsafe(12)
        user = User(
            username=spec.username,
            display_name=spec.display_name,
            password_hash=hash_password(password),
            role=spec.role,
            region_code=spec.region_code,
            facility_id=facilities[spec.facility_name].id if spec.facility_name else None,
            active=True,
        )
        db.session.add(user)
        users[spec.username] = user
        logins.append((spec.username, spec.role, spec.region_code, password))
    db.session.flush()
    return users, logins


# --- inspections ---------------------------------------------------------------------------------


def _principal(user: User) -> Principal:
    return Principal(
        user.id, user.username, user.display_name, user.role, user.region_code, user.facility_id, 0
    )


def demo_answers(
    checklist: Checklist,
    facts: dict[str, Any],
    inspection_date: dt.date,
    profile: str,
    expired_licence: bool = False,
    limit: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Plausible answers for the items that apply: "good" mostly at the top level, "fair" at the
    lowest level with a few one higher, "poor" at the bottom with a few not met. With
    `expired_licence` the licences of veto items ran out before the inspection (the veto fails)."""
    answers: dict[str, dict[str, Any]] = {}
    for n, item in enumerate(checklist.items()):
        if item.applies_if is not None and not evaluate_condition(item.applies_if, facts):
            continue
        codes = [level.code for level in item.levels]  # lowest first
        if item.allow_na and n % 2 == 0 and profile != "poor":
            answers[item.id] = {"grade": NOT_APPLICABLE, "note": "本机构未开展该项服务"}
            continue
        if profile == "good":
            grade = codes[-2] if len(codes) > 1 and n % 4 == 3 else codes[-1]
        elif profile == "fair":  # every item at least the lowest level, a few one higher
            grade = codes[1] if len(codes) > 1 and n % 7 == 0 else codes[0]
        else:
            grade = NOT_MET if n % 6 == 5 and not item.core and not item.veto else codes[0]
        body: dict[str, Any] = {"grade": grade}
        if item.validity is not None and grade != NOT_MET:
            if item.validity.kind == "valid_until":
                days = -12 if expired_licence and item.veto else 700
                body["valid_until"] = (inspection_date + dt.timedelta(days=days)).isoformat()
            else:
                body["document_date"] = (inspection_date - dt.timedelta(days=75)).isoformat()
        if item.validities and grade != NOT_MET:
            body["documents"] = {
                v.key: {"valid_until": (inspection_date + dt.timedelta(days=700)).isoformat()}
                if v.kind == "valid_until"
                else {"document_date": (inspection_date - dt.timedelta(days=75)).isoformat()}
                for v in item.validities
            }
        answers[item.id] = body
        if limit is not None and len(answers) >= limit:
            break
    return answers


def _send(
    principal: Principal, inspection_id: int, answers: dict[str, dict[str, Any]], now: dt.datetime
) -> None:
    changes = [
        sync.Change(
            change_id=f"seed-{uuid.uuid4().hex}",
            inspection_id=inspection_id,
            item_id=item_id,
            base_revision=0,
            fields=fields,
            device_time=now.isoformat(timespec="seconds"),
        )
        for item_id, fields in answers.items()
    ]
    receipts = sync.apply_batch(principal, DEVICE, changes, now, ip=None)
    rejected = [r for r in receipts if r.get("status") == "rejected"]
    assert not rejected, rejected


def _demo_photo(inspection: Inspection, facility: Facility, item_id: str, n: int) -> bytes:
    """A small JPEG with the EXIF a phone writes: taken on the visit day, at the facility."""
    image = Image.new("RGB", (480, 360), (40 + (inspection.id * 37) % 180, 90, 140 + n * 20))
    ImageDraw.Draw(image).text((16, 16), f"{item_id} #{n}", fill=(255, 255, 255))
    exif = Image.Exif()
    exif.get_ifd(Base.ExifOffset)[Base.DateTimeOriginal] = (
        f"{inspection.inspection_date:%Y:%m:%d} 10:{n:02d}:00"
    )
    if facility.latitude is not None and facility.longitude is not None:
        gps = exif.get_ifd(Base.GPSInfo)
        for ref_tag, tag, value, ref in (
            (GPS.GPSLatitudeRef, GPS.GPSLatitude, facility.latitude, "N"),
            (GPS.GPSLongitudeRef, GPS.GPSLongitude, facility.longitude, "E"),
        ):
            gps[ref_tag] = ref
            gps[tag] = (
                Fraction(int(value)),
                Fraction(int(value * 60) % 60),
                Fraction(round(value * 3600 % 60)),
            )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, exif=exif)
    return out.getvalue()


def _add_evidence(principal: Principal, inspection: Inspection, now: dt.datetime) -> None:
    """Real photos, uploaded through the evidence service, for every answered item that needs them."""
    settings = registry.settings()
    facility = db.session.get(Facility, inspection.facility_id)
    assert facility is not None
    result = inspections.score_of(inspection)
    checklist = inspections.checklist_of(inspection)
    for item in checklist.items():
        if result["items"][item.id]["outcome"] in (None, NOT_APPLICABLE):
            continue
        for n in range(1, item.photos_min + 1):
            data = _demo_photo(inspection, facility, item.id, n)
            evidence.upload(
                settings,
                principal,
                inspection.id,
                item.id,
                f"seed-{uuid.uuid4().hex}",
                data,
                hashlib.sha256(data).hexdigest(),
                f"IMG_{n:04d}.jpg",
                evidence.Claims(
                    f"{inspection.inspection_date}T10:{n:02d}:00+08:00", facility.latitude, facility.longitude
                ),
                now,
                ip=None,
            )


Step = tuple[str, str, str | None]  # (actor username, action, reason)

SUBMIT: tuple[Step, ...] = (("tx_inspector1", "submit", None),)
IN_COUNTY_REVIEW = (*SUBMIT, ("tx_county", "start_county_review", None))
COUNTY_APPROVED = (*IN_COUNTY_REVIEW, ("tx_county", "county_approve", None))
IN_CITY_REVIEW = (*COUNTY_APPROVED, ("kf_city", "start_city_review", None))


@dataclass(frozen=True)
class Story:
    """One demo inspection: where, which checklist, how well it went, and the workflow so far."""

    facility: str
    checklist: tuple[str, int]
    profile: str  # good, fair, poor (see _answers)
    steps: tuple[Step, ...]
    expired_licence: bool = False


STORIES = (
    Story("通许县四所楼镇卫生院", QS, "good", SUBMIT),  # submitted
    Story("通许县朱砂镇卫生院", QS, "fair", IN_COUNTY_REVIEW),  # county_review
    Story(  # returned; a small centre, on the version with the 合格标准 tier
        SMALL_CENTRE,
        QS2,
        "fair",
        (
            *IN_COUNTY_REVIEW,
            ("tx_county", "return", "第 1.6.1 条设备照片不清晰，请补拍设备铭牌并核对医疗设备台账"),
        ),
    ),
    Story("通许县玉皇庙镇中心卫生院", QS, "good", COUNTY_APPROVED),  # county_approved
    Story("通许县竖岗镇中心卫生院", QS, "good", IN_CITY_REVIEW),  # city_review
    Story("城关镇东街村卫生室", VC, "good", (*IN_CITY_REVIEW, ("kf_city", "approve", None))),  # approved
    # approved with items below standard: the facility user's rectification tasks (整改)
    Story("通许县竖岗镇中心卫生院", BT, "poor", (*IN_CITY_REVIEW, ("kf_city", "approve", None))),
    Story(  # rejected
        "竖岗镇张庄村卫生室",
        VC,
        "poor",
        (
            *IN_COUNTY_REVIEW,
            ("tx_county", "county_reject", "医疗机构执业许可证已过期（否决项第 1.1.1 条），本次不予通过"),
        ),
        expired_licence=True,
    ),
)


def _create_inspections(now: dt.datetime, facilities: dict[str, Facility], users: dict[str, User]) -> None:
    county = _principal(users["tx_county"])
    people = {name: _principal(user) for name, user in users.items()}
    start = now - dt.timedelta(days=7)
    today = china_date(now)  # the inspectors' calendar day, not UTC's (8 hours behind)

    for n, story in enumerate(STORIES):
        facility = facilities[story.facility]
        inspector = story.steps[0][0]  # the one who submits
        inspection_date = china_date(start - dt.timedelta(days=n))
        inspection = inspections.create(
            county,
            facility.id,
            *story.checklist,
            "county_inspection",
            inspection_date,
            [users[inspector].id],
            ip=None,
        )
        checklist = inspections.checklist_of(inspection)
        facts = inspections.facility_facts(facility, checklist)
        answers = demo_answers(checklist, facts, inspection_date, story.profile, story.expired_licence)
        _send(people[inspector], inspection.id, answers, start)
        _add_evidence(people[inspector], inspection, start)
        for day, (actor, action, reason) in enumerate(story.steps, 1):
            inspections.transition(
                people[actor], inspection.id, action, reason, ip=None, now=start + dt.timedelta(days=day)
            )

    # The city's random sample of what the county approved: the drawn inspection awaits its
    # re-review (已抽中) and cannot be finally approved before that starts.
    inspections.draw_sample(people["kf_city"], 1, seed=20261128, ip=None)

    # A draft shared by both inspectors, half filled in, with one conflicting edit to resolve.
    facility = facilities["通许县城关镇卫生院"]
    inspection = inspections.create(
        county,
        facility.id,
        QS[0],
        QS[1],
        "county_inspection",
        today,
        [users["tx_inspector1"].id, users["tx_inspector2"].id],
        ip=None,
    )
    checklist = inspections.checklist_of(inspection)
    facts = inspections.facility_facts(facility, checklist)
    answers = demo_answers(checklist, facts, today, "fair", limit=30)
    _send(people["tx_inspector1"], inspection.id, answers, now)
    first = next(iter(answers))
    other = {"grade": NOT_MET, "note": "复查时发现问题（第二名检查员离线录入）"}
    _send(people["tx_inspector2"], inspection.id, {first: other}, now)  # base revision 0: a conflict

    # A visit called off before it began (the clinic closed for the year): 已取消.
    closed = facilities["城关镇西街村卫生室"]
    inspection = inspections.create(
        county, closed.id, *VC, "county_inspection", today, [users["tx_inspector2"].id], ip=None
    )
    inspections.transition(
        county, inspection.id, "cancel", "村卫生室停业装修，本年度不再评审", ip=None, now=now
    )

    # The self-assessor's own draft.
    own = facilities["通许县竖岗镇中心卫生院"]
    self_assessor = people["tx_self"]
    inspection = inspections.create(
        self_assessor, own.id, QS[0], QS[1], "self_assessment", today, [], ip=None
    )
    checklist = inspections.checklist_of(inspection)
    answers = demo_answers(checklist, inspections.facility_facts(own, checklist), today, "good", limit=12)
    _send(self_assessor, inspection.id, answers, now)

"""China time on the visit day and in the report; unanswered items counted apart from failed ones."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

from server.domain.evidence import FLAG_TIME_OUTSIDE_VISIT
from tests.api.test_evidence import post_photo
from tests.api.test_reports import get_report, pdf_text
from tests.api.world import World, change
from tests.photos import jpeg, with_exif_offset

SHOWN = re.compile(r"\d{4}-\d{2}-\d{2}\d{2}:\d{2}")  # "YYYY-MM-DD HH:mm" once pdf_text drops the space


def test_a_photo_at_half_past_midnight_china_time_is_on_the_visit_day(world: World) -> None:
    inspection = world.inspection()  # visit day 2026-11-20
    # 00:30 in China is 16:30 UTC the day before: claimed by a device that reports UTC
    claimed_utc = post_photo(
        world, "inspector", inspection, jpeg(taken=None, seed=21), captured_at="2026-11-19T16:30:00Z"
    )
    claimed_china = post_photo(
        world, "inspector", inspection, jpeg(taken=None, seed=22), captured_at="2026-11-20T00:30:00+08:00"
    )
    camera = post_photo(world, "inspector", inspection, jpeg(taken="2026:11:20 00:30:00", seed=23))
    camera_with_offset = post_photo(
        world,
        "inspector",
        inspection,
        with_exif_offset(jpeg(taken="2026:11:19 16:30:00", seed=24), "+00:00"),
        captured_at="2026-11-20T00:30:00+08:00",
    )
    for response in (claimed_utc, claimed_china, camera, camera_with_offset):
        assert response.status_code == 201, response.json
        assert response.json["flags"] == [], response.json
    assert camera_with_offset.json["exif_captured_at"] == "2026:11:19 16:30:00+00:00"

    # and 00:30 the next China day is not the visit day, though it is still 2026-11-20 in UTC
    next_day = post_photo(
        world, "inspector", inspection, jpeg(taken=None, seed=25), captured_at="2026-11-20T16:30:00Z"
    )
    next_day_camera = post_photo(
        world,
        "inspector",
        inspection,
        with_exif_offset(jpeg(taken="2026:11:20 16:30:00", seed=26), "+00:00"),
        captured_at="2026-11-20T10:00:00+08:00",
    )
    assert next_day.json["flags"] == [FLAG_TIME_OUTSIDE_VISIT]
    assert next_day_camera.json["flags"] == [FLAG_TIME_OUTSIDE_VISIT]


def test_the_report_shows_china_times_and_unanswered_apart(world: World, tmp_path: Path) -> None:
    inspection = world.inspection()
    # four of fifteen items answered, one of them not met: 1 不达标, 11 未作答
    answers = {"M-B01": "A", "M-B02": "not_met", "M-B03": "B", "M-R1": "A"}
    world.sync("inspector", [change(inspection.id, item, grade) for item, grade in answers.items()])
    uploads = (
        # a device that reports UTC, a camera without a zone: both 00:30 on the visit day in China
        post_photo(
            world,
            "inspector",
            inspection,
            jpeg(taken="2026:11:20 00:30:00", seed=31),
            item="M-B01",
            captured_at="2026-11-19T16:30:00Z",
        ),
        # a camera that wrote its offset (Tokyo): 01:30 there is 00:30 in China
        post_photo(
            world,
            "inspector",
            inspection,
            with_exif_offset(jpeg(taken="2026:11:20 01:30:00", seed=32), "+09:00"),
            item="M-B03",
            captured_at="2026-11-28T22:00:12+00:00",
        ),
    )
    assert [u.status_code for u in uploads] == [201, 201]

    response = get_report(world, "county_reviewer", inspection)
    assert response.status_code == 200
    text = pdf_text(response.data, tmp_path)
    photos = text[text.index("照片附录") :]
    assert "拍摄时间：2026-11-2000:30相机记录时间：2026-11-2000:30" in photos
    assert "拍摄时间：2026-11-2906:00相机记录时间：2026-11-2000:30" in photos
    assert "2026:11" not in text and "T16:30" not in text and "+00:00" not in text and "+09:00" not in text
    # the cover's time is now, in China time
    generated = text[text.index("报告生成") + len("报告生成") :][:15]
    assert SHOWN.fullmatch(generated), generated
    china_now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)
    written = dt.datetime.strptime(generated, "%Y-%m-%d%H:%M")
    assert abs(written - china_now.replace(tzinfo=None)) < dt.timedelta(minutes=5)

    summary = text[text.index("一、评分汇总") : text.index("二、达标判定")]
    assert "不达标" in summary and "未作答" in summary
    assert "合计：适用条款15项，不达标1项，未作答11项。" in summary
    # the table's columns, 不达标 apart from 未作答 (the rows' numbers run together in the text)
    assert "适用条款不适用不达标未作答" in summary
    rectification = text[text.index("四、整改清单") : text.index("五、照片附录")]
    assert "未作答" not in rectification  # nothing to rectify in an item nobody graded yet
    pdftoppm = subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "2", "-l", "2", "-", str(tmp_path / "page")],
        input=response.data,
        capture_output=True,
        check=True,
    )
    assert pdftoppm.returncode == 0 and list(tmp_path.glob("page*.png"))

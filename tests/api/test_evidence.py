"""Photo evidence through the API, on the local store and on the real MinIO."""

from __future__ import annotations

import datetime as dt
import io
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from PIL import Image, ImageStat

from server.db.models import Evidence, Facility, Inspection
from server.domain.evidence import (
    FLAG_FAR_FROM_FACILITY,
    FLAG_TIME_OUTSIDE_VISIT,
    FLAG_USED_FOR_OTHER_FACILITY,
)
from server.extensions import db
from server.storage import EvidenceStore
from tests.api.world import World, complete_changes
from tests.conftest import private_bucket
from tests.photos import bomb_png, jpeg, png, sha256


@pytest.fixture(params=["local", "s3"])
def app(request: pytest.FixtureRequest, app_factory: Callable[..., Flask]) -> Flask:
    overrides: dict[str, Any] = {"max_photo_bytes": 300 * 1024, "max_content_length": 1024 * 1024}
    if request.param == "s3":
        overrides |= {"evidence_backend": "s3", "s3": private_bucket(request)}
    return app_factory(**overrides)


def store(world: World) -> EvidenceStore:
    return world.client.application.extensions["evidence_store"]  # type: ignore[no-any-return]


def post_photo(
    world: World,
    who: str,
    inspection: Inspection,
    data: bytes,
    item: str = "M-B01",
    upload_id: str | None = None,
    digest: str | None = None,
    name: str = "IMG_0001.jpg",
    **claims: Any,
) -> Any:
    form = {
        "upload_id": upload_id or secrets.token_hex(8),
        "sha256": digest or sha256(data),
        **claims,
        "file": (io.BytesIO(data), name),
    }
    response = world.client.post(
        f"/api/inspections/{inspection.id}/items/{item}/evidence",
        data=form,
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {world.login(who)}"},
    )
    response.get_data()
    response.close()  # the test client's request body of a large upload is a temporary file
    return response


def stored_keys(world: World, inspection: Inspection) -> list[str]:
    return sorted(
        k for prefix in ("evidence/", "thumbs/") for k in store(world).keys(f"{prefix}{inspection.id}/")
    )


def test_upload_checks_stores_and_records_claims_beside_exif(world: World) -> None:
    inspection = world.inspection()
    data = jpeg(taken="2026:11:20 10:15:00", place=(34.6, 114.5))
    response = post_photo(
        world,
        "inspector",
        inspection,
        data,
        name="../../etc/现场照片.jpg",
        captured_at="2026-11-20T10:15:02+08:00",
        latitude="34.6001",
        longitude="114.5001",
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["sha256"] == sha256(data)
    assert (body["width"], body["height"], body["content_type"]) == (800, 600, "image/jpeg")
    assert body["exif_captured_at"] == "2026:11:20 10:15:00"
    assert body["exif_latitude"] == pytest.approx(34.6, abs=1e-4)
    assert body["claimed_captured_at"] == "2026-11-20T10:15:02+08:00"
    assert body["claimed_latitude"] == pytest.approx(34.6001)
    assert body["flags"] == []
    row = db.session.get(Evidence, body["id"])
    assert "现场" not in row.object_key and ".." not in row.object_key  # keys never come from names
    assert row.original_name == "../../etc/现场照片.jpg"
    assert store(world).get(row.object_key) == data
    assert row.thumb_key in stored_keys(world, inspection)


def test_thumbnail_is_upright(world: World) -> None:
    inspection = world.inspection()
    response = post_photo(world, "inspector", inspection, jpeg(width=800, height=600, orientation=6))
    thumb = world.call("inspector", "GET", f"/api/evidence/{response.json['id']}/thumbnail")
    assert thumb.status_code == 200
    image = Image.open(io.BytesIO(thumb.data))
    assert image.size == (600, 800)  # rotated as the EXIF says

    def brightness(box: tuple[int, int, int, int]) -> float:
        return float(sum(ImageStat.Stat(image.crop(box).convert("L")).mean))

    top_right = brightness((image.width - 60, 0, image.width, 60))
    bottom_left = brightness((0, image.height - 60, 60, image.height))
    assert top_right > bottom_left + 60  # the white corner is now top-right


def test_a_retry_stores_nothing_twice(world: World) -> None:
    inspection = world.inspection()
    data = jpeg()
    first = post_photo(world, "inspector", inspection, data, upload_id="upload-0001")
    again = post_photo(world, "inspector", inspection, data, upload_id="upload-0001")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    assert db.session.query(Evidence).count() == 1
    assert len(stored_keys(world, inspection)) == 2  # the photo and its thumbnail, once
    other = post_photo(world, "inspector", inspection, jpeg(seed=2), upload_id="upload-0001")
    assert (other.status_code, other.json["error"]["code"]) == (409, "evidence.upload_id_reused")


@pytest.mark.parametrize(
    ("make", "digest", "status", "code"),
    [
        (lambda: jpeg(), "0" * 64, 422, "evidence.digest_mismatch"),
        (lambda: "这不是照片".encode() * 100, None, 415, "evidence.not_an_image"),
        (lambda: jpeg()[:-2000], None, 415, "evidence.not_an_image"),
        (lambda: _gif(), None, 415, "evidence.unsupported_type"),
        (lambda: bomb_png(), None, 413, "evidence.too_many_pixels"),
        (lambda: jpeg(width=700, height=600, quality=100), None, 413, "evidence.too_large"),
    ],
    ids=["digest", "text", "truncated", "gif", "bomb", "too-large"],
)
def test_bad_photos_are_refused_and_nothing_is_stored(
    world: World, make: Callable[[], bytes], digest: str | None, status: int, code: str
) -> None:
    inspection = world.inspection()
    data = make()
    response = post_photo(world, "inspector", inspection, data, digest=digest)
    assert (response.status_code, response.json["error"]["code"]) == (status, code)
    assert db.session.query(Evidence).count() == 0
    assert stored_keys(world, inspection) == []


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    return out.getvalue()


def test_png_is_accepted(world: World) -> None:
    response = post_photo(world, "inspector", world.inspection(), png(), name="scan.png")
    assert (response.status_code, response.json["content_type"]) == (201, "image/png")


def test_suspicious_photos_are_accepted_but_flagged(world: World) -> None:
    inspection = world.inspection()
    old = post_photo(world, "inspector", inspection, jpeg(taken="2025:06:01 09:00:00", seed=3))
    far = post_photo(world, "inspector", inspection, jpeg(place=(39.9, 116.4), seed=4))  # Beijing
    claimed_far = post_photo(
        world, "inspector", inspection, jpeg(place=None, seed=5), latitude="30.0", longitude="120.0"
    )
    assert old.json["flags"] == [FLAG_TIME_OUTSIDE_VISIT]
    assert far.json["flags"] == [FLAG_FAR_FROM_FACILITY]
    assert claimed_far.json["flags"] == [FLAG_FAR_FROM_FACILITY]
    reused = jpeg(seed=6)
    assert post_photo(world, "inspector", inspection, reused).json["flags"] == []
    elsewhere = world.inspection(facility="own2")
    again = post_photo(world, "inspector", elsewhere, reused)
    assert again.status_code == 201
    assert again.json["flags"] == [FLAG_USED_FOR_OTHER_FACILITY]


def test_only_assigned_inspectors_upload(world: World) -> None:
    inspection = world.inspection()
    response = post_photo(world, "inspector2", inspection, jpeg())
    assert (response.status_code, response.json["error"]["code"]) == (403, "evidence.not_assigned")
    assert post_photo(world, "county_reviewer", inspection, jpeg()).status_code == 403
    assert post_photo(world, "sibling_inspector", inspection, jpeg()).status_code == 404


def test_unknown_item(world: World) -> None:
    response = post_photo(world, "inspector", world.inspection(), jpeg(), item="NOPE")
    assert response.json["error"]["code"] == "evidence.unknown_item"


def test_photos_are_frozen_after_submission(world: World) -> None:
    inspection = world.inspection()
    world.sync("inspector", complete_changes(inspection.id))
    assert (
        world.call(
            "inspector", "POST", f"/api/inspections/{inspection.id}/transitions", {"action": "submit"}
        ).status_code
        == 200
    )
    response = post_photo(world, "inspector", inspection, jpeg())
    assert (response.status_code, response.json["error"]["code"]) == (409, "evidence.frozen")
    assert db.session.query(Evidence).count() == 0


def test_download_is_scoped_and_safe(world: World) -> None:
    inspection = world.inspection()
    data = jpeg()
    evidence_id = post_photo(world, "inspector", inspection, data).json["id"]
    response = world.call("county_reviewer", "GET", f"/api/evidence/{evidence_id}/content")
    assert response.status_code == 200
    assert response.data == data
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == f'inline; filename="evidence-{evidence_id}.jpg"'
    assert response.headers["Content-Type"] == "image/jpeg"
    denied = world.call("sibling_county_reviewer", "GET", f"/api/evidence/{evidence_id}/content")
    assert (denied.status_code, denied.json) == (
        404,
        {"error": {"code": "http.not_found", "message": "未找到，或不在您的权限范围内"}},
    )
    assert world.client.get(f"/api/evidence/{evidence_id}/content").status_code == 401
    listing = world.call("county_reviewer", "GET", f"/api/inspections/{inspection.id}/evidence").json
    assert [e["id"] for e in listing] == [evidence_id]


def test_approved_evidence_is_retained(world: World) -> None:
    from server.storage import Retained

    facility = db.session.get(Facility, world.facilities["own"].id)
    facility.latitude, facility.longitude = 34.6, 114.5
    inspection = world.inspection()
    world.sync("inspector", complete_changes(inspection.id))
    photo = jpeg()
    evidence_id = post_photo(world, "inspector", inspection, photo).json["id"]
    for who, action in (
        ("inspector", "submit"),
        ("county_reviewer", "start_county_review"),
        ("county_reviewer", "county_approve"),
        ("city_reviewer", "start_city_review"),
        ("city_reviewer", "approve"),
    ):
        response = world.call(
            who, "POST", f"/api/inspections/{inspection.id}/transitions", {"action": action}
        )
        assert response.status_code == 200, response.json
    row = db.session.get(Evidence, evidence_id)
    assert row.retained_until is not None
    evidence_store = store(world)
    if evidence_store.backend == "local":
        with pytest.raises(Retained):
            evidence_store.delete(row.object_key)
        with pytest.raises(Retained):
            evidence_store.put(row.object_key, b"x", sha256(b"x"), "image/jpeg")
    else:
        client = evidence_store.client  # type: ignore[attr-defined]
        head = client.head_object(Bucket=evidence_store.bucket, Key=row.object_key)  # type: ignore[attr-defined]
        assert head["ObjectLockMode"] == "COMPLIANCE"
        with pytest.raises(Exception, match=r"AccessDenied|locked|retention|WORM"):
            client.delete_object(
                Bucket=evidence_store.bucket,
                Key=row.object_key,  # type: ignore[attr-defined]
                VersionId=head["VersionId"],
            )
        evidence_store.retain(
            row.object_key, row.retained_until.replace(year=2020, tzinfo=dt.UTC)
        )  # never shortened
        after = client.head_object(Bucket=evidence_store.bucket, Key=row.object_key)  # type: ignore[attr-defined]
        assert after["ObjectLockRetainUntilDate"] == head["ObjectLockRetainUntilDate"]
    assert evidence_store.get(row.object_key) == photo


def test_storage_verify_finds_missing_mismatched_and_orphaned_objects(world: World) -> None:
    inspection = world.inspection()
    first = db.session.get(Evidence, post_photo(world, "inspector", inspection, jpeg(seed=7)).json["id"])
    second = db.session.get(Evidence, post_photo(world, "inspector", inspection, jpeg(seed=8)).json["id"])
    runner = world.client.application.test_cli_runner()
    clean = runner.invoke(args=["storage", "verify"])
    assert clean.exit_code == 0, clean.output
    assert "checked 4 objects: 0 missing, 0 mismatched, 0 orphaned" in clean.output

    evidence_store = store(world)
    if evidence_store.backend == "local":
        (evidence_store.root / "objects" / first.object_key).unlink()  # type: ignore[attr-defined]
        (evidence_store.root / "objects" / second.thumb_key).write_bytes(b"tampered")  # type: ignore[attr-defined]
    else:
        client, bucket = evidence_store.client, evidence_store.bucket  # type: ignore[attr-defined]
        client.delete_object(Bucket=bucket, Key=first.object_key)  # a delete marker hides it
        client.put_object(Bucket=bucket, Key=second.thumb_key, Body=b"tampered")  # a new version on top
    evidence_store.put("evidence/999999/stray.jpg", b"stray", sha256(b"stray"), "image/jpeg")

    result = runner.invoke(args=["storage", "verify"])
    assert result.exit_code == 1
    assert f"missing: {first.object_key} (evidence {first.id})" in result.stderr
    assert f"mismatched: {second.thumb_key} (evidence {second.id})" in result.stderr
    assert "orphaned: evidence/999999/stray.jpg" in result.stderr


def test_bootstrap_counts_the_photos_of_every_device(world: World) -> None:
    inspection = world.inspection(inspectors=("inspector", "inspector2"))
    post_photo(world, "inspector", inspection, jpeg(seed=3), item="M-B01")
    post_photo(world, "inspector2", inspection, jpeg(seed=4), item="M-B01")
    post_photo(world, "inspector2", inspection, jpeg(seed=5), item="M-B02")
    body = world.call("inspector", "GET", "/api/sync/bootstrap").json
    assert body["assignments"][0]["photos"] == {"M-B01": 2, "M-B02": 1}

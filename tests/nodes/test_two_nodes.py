"""Two app nodes (two gunicorn servers on their own ports) in front of one PostgreSQL and one MinIO,
with a client alternating between them, as a load balancer without sticky sessions would send it.

Sessions, failed-login throttling, sync replays, photo uploads and report caching behave as on one
node; concurrent writes to one inspection through both nodes lose nothing; and afterwards the audit
chain and the evidence store check clean.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import secrets
import threading
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from server.settings import PROJECT_ROOT
from tests.harness.app import AppServer
from tests.photos import jpeg

pytestmark = [pytest.mark.postgres, pytest.mark.minio]

CHINA = ZoneInfo("Asia/Shanghai")
CENTRE = "通许县四所楼镇卫生院"
CHECKLIST = ("qs-2023-sample", 1)
QS = json.loads(
    (PROJECT_ROOT / "checklists" / "quality_service" / "2023-sample" / "v1.json").read_text("utf-8")
)
# items answered with a plain grade of B or C: no document dates, no facts deciding whether they apply
PLAIN = [
    item["id"]
    for chapter in QS["chapters"]
    for section in chapter["sections"]
    for item in section["items"]
    if "validity" not in item
    and "applies_if" not in item
    and {"B", "C"} <= {level["code"] for level in item["levels"]}
]


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppServer, AppServer]]:
    workdir = tmp_path_factory.mktemp("nodes")
    a = AppServer(workdir / "a")
    a.prepare()  # migrations, checklists and the demo seed, once, for the whole deployment
    b = a.node(workdir / "b")
    try:
        a.start()
        b.start()
        yield a, b
    finally:
        b.stop()
        a.stop()


@pytest.fixture(scope="module")
def database(nodes: tuple[AppServer, AppServer]) -> Iterator[sa.Engine]:
    """The deployment's database, for counting what the nodes wrote."""
    engine = sa.create_engine(nodes[0].shared["DABIAO_DATABASE_URL"])
    yield engine
    engine.dispose()


def count(database: sa.Engine, sql: str, **params: Any) -> int:
    with database.connect() as conn:
        return int(conn.execute(sa.text(sql), params).scalar_one())


def store_keys(server: AppServer, prefix: str) -> list[str]:
    return sorted(server.store().keys(prefix))


def new_inspection(server: AppServer, inspector: str = "tx_inspector1") -> int:
    """A fresh draft at the demo's centre for today in China, assigned to `inspector`."""
    county, _ = server.login("tx_county")
    _, user = server.login(inspector)
    status, facilities = server.api("GET", "/api/facilities?limit=500", county)
    assert status == 200, facilities
    centre = next(f for f in facilities if f["name"] == CENTRE)
    status, inspection = server.api(
        "POST",
        "/api/inspections",
        county,
        body={
            "facility_id": centre["id"],
            "checklist_id": CHECKLIST[0],
            "checklist_version": CHECKLIST[1],
            "kind": "county_inspection",
            "inspection_date": dt.datetime.now(CHINA).date().isoformat(),
            "inspector_ids": [user["id"]],
        },
    )
    assert status == 201, inspection
    return int(inspection["id"])


def change(inspection_id: int, item_id: str, grade: str = "C", base: int = 0) -> dict[str, Any]:
    return {
        "change_id": secrets.token_hex(8),
        "inspection_id": inspection_id,
        "item_id": item_id,
        "base_revision": base,
        "grade": grade,
        "device_time": dt.datetime.now(CHINA).isoformat(timespec="seconds"),
    }


def push(server: AppServer, token: str, changes: list[dict[str, Any]], device: str) -> list[dict[str, Any]]:
    status, body = server.api("POST", "/api/sync", token, body={"device_id": device, "changes": changes})
    assert status == 200, body
    return list(body["receipts"])


def photo_fields(data: bytes, upload_id: str) -> dict[str, str]:
    return {
        "upload_id": upload_id,
        "sha256": hashlib.sha256(data).hexdigest(),
        "captured_at": dt.datetime.now(CHINA).isoformat(timespec="seconds"),
    }


def upload(server: AppServer, token: str, inspection_id: int, data: bytes, upload_id: str) -> tuple[int, Any]:
    return server.api(
        "POST",
        f"/api/inspections/{inspection_id}/items/{PLAIN[0]}/evidence",
        token,
        files={"file": ("现场.jpg", data)},
        fields=photo_fields(data, upload_id),
    )


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Runs the calls in threads released together; their results in order (an exception re-raised)."""
    gate = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        gate.wait()
        try:
            results[index] = call()
        except Exception as exc:  # re-raised in the test's thread
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for result in results:
        if isinstance(result, Exception):
            raise result
    return results


# --- sessions ------------------------------------------------------------------------------------


def test_a_session_made_on_one_node_is_used_and_ended_on_the_other(
    nodes: tuple[AppServer, AppServer],
) -> None:
    a, b = nodes
    token, user = a.login("tx_inspector1")
    status, me = b.api("GET", "/api/auth/me", token)
    assert (status, me["id"]) == (200, user["id"])
    status, _ = b.api("POST", "/api/auth/logout", token)
    assert status == 204
    for server in (a, b):
        status, body = server.api("GET", "/api/auth/me", token)
        assert status == 401, body
        assert body["error"]["code"] == "auth.required"


def test_failed_logins_are_counted_across_the_nodes(nodes: tuple[AppServer, AppServer]) -> None:
    """Five failures go free per username and address (Settings.login_free_failures), wherever they
    land; the sixth blocks, on both nodes, even the right password."""
    a, b = nodes
    wrong = {"username": "tx_inspector2", "password": "not-the-password"}
    for attempt in range(5):
        status, body = (a, b)[attempt % 2].api("POST", "/api/auth/login", body=wrong)
        assert (status, body["error"]["code"]) == (401, "auth.invalid_credentials"), attempt
    status, body = b.api("POST", "/api/auth/login", body=wrong)
    assert (status, body["error"]["code"]) == (429, "auth.throttled")
    right = {"username": "tx_inspector2", "password": a.logins["tx_inspector2"]}
    status, body = a.api("POST", "/api/auth/login", body=right)
    assert (status, body["error"]["code"]) == (429, "auth.throttled")


# --- sync ----------------------------------------------------------------------------------------


def test_a_change_sent_through_both_nodes_is_applied_once(
    nodes: tuple[AppServer, AppServer], database: sa.Engine
) -> None:
    a, b = nodes
    inspection = new_inspection(a)
    token, _ = b.login("tx_inspector1")
    sent = change(inspection, PLAIN[1])
    first = push(a, token, [sent], "phone-one")
    assert first[0]["status"] == "applied" and first[0]["revision"] == 1, first
    replay = push(b, token, [sent], "phone-one")  # the answer was lost; the phone sends it again
    assert replay == [{**first[0], "replayed": True}]
    status, history = a.api("GET", f"/api/inspections/{inspection}/history?item_id={PLAIN[1]}", token)
    assert status == 200 and [(h["revision"], h["grade"]) for h in history] == [(1, "C")]
    assert (
        count(database, "SELECT count(*) FROM sync_receipts WHERE change_id = :c", c=sent["change_id"]) == 1
    )


def test_one_change_sent_to_both_nodes_at_once_is_applied_once(
    nodes: tuple[AppServer, AppServer], database: sa.Engine
) -> None:
    """A phone that gave up waiting on one node sends the batch again, and the balancer gives it
    to the other while the first is still at it: one applies it, the other answers the replay."""
    a, b = nodes
    inspection = new_inspection(a)
    token, _ = a.login("tx_inspector1")
    for item in PLAIN[4:7]:
        sent = change(inspection, item)
        on_a, on_b = at_once(
            functools.partial(push, a, token, [sent], "phone-race"),
            functools.partial(push, b, token, [sent], "phone-race"),
        )
        first, second = sorted((on_a[0], on_b[0]), key=lambda r: bool(r.get("replayed")))
        assert first["status"] == "applied" and first["revision"] == 1, (on_a, on_b)
        assert second == {**first, "replayed": True}
        assert (
            count(database, "SELECT count(*) FROM answer_revisions WHERE change_id = :c", c=sent["change_id"])
            == 1
        )


def test_concurrent_changes_to_one_inspection_through_both_nodes_lose_nothing(
    nodes: tuple[AppServer, AppServer], database: sa.Engine
) -> None:
    """Two phones of one inspector push at the same moment, one through each node: each its own
    items, and both the same item from the same base revision. Every own item is applied; of the
    shared item one change is applied and the other kept as a conflict, never dropped."""
    a, b = nodes
    inspection = new_inspection(a)
    token, _ = a.login("tx_inspector1")
    shared, rounds, per_phone = PLAIN[-1], 4, 3
    own = iter(PLAIN[:-1])
    expected: dict[str, str] = {}
    for revision in range(rounds):
        batches = []
        for grade in ("B", "C"):
            items = [next(own) for _ in range(per_phone)]
            expected |= dict.fromkeys(items, grade)
            batches.append(
                [*(change(inspection, i, grade) for i in items), change(inspection, shared, grade, revision)]
            )
        on_a, on_b = at_once(
            functools.partial(push, a, token, batches[0], "phone-a-1"),
            functools.partial(push, b, token, batches[1], "phone-b-1"),
        )
        assert [r["status"] for r in on_a[:-1] + on_b[:-1]] == ["applied"] * 2 * per_phone
        assert sorted(r["status"] for r in (on_a[-1], on_b[-1])) == ["applied", "conflict"], (on_a, on_b)

    status, boot = b.api("GET", "/api/sync/bootstrap", token)
    assert status == 200
    assignment = next(x for x in boot["assignments"] if x["inspection"]["id"] == inspection)
    answers = assignment["answers"]
    assert {k: v["grade"] for k, v in answers.items() if k != shared} == expected
    assert all(v["revision"] == 1 for k, v in answers.items() if k != shared)
    assert answers[shared]["revision"] == rounds
    assert len(assignment["conflicts"]) == rounds
    changes = rounds * (2 * per_phone + 2)
    assert (
        count(database, "SELECT count(*) FROM answer_revisions WHERE inspection_id = :i", i=inspection)
        + count(database, "SELECT count(*) FROM conflicts WHERE inspection_id = :i", i=inspection)
        == changes
    )


# --- evidence ------------------------------------------------------------------------------------


def test_a_photo_uploaded_on_one_node_reads_on_the_other_and_its_retry_stores_nothing(
    nodes: tuple[AppServer, AppServer], database: sa.Engine
) -> None:
    a, b = nodes
    inspection = new_inspection(a)
    token, _ = a.login("tx_inspector1")
    data = jpeg(seed=71)
    status, stored = upload(a, token, inspection, data, "nodes-photo-0001")
    assert status == 201, stored
    status, content = b.api("GET", f"/api/evidence/{stored['id']}/content", token)
    assert status == 200 and hashlib.sha256(content).hexdigest() == hashlib.sha256(data).hexdigest()
    status, again = upload(b, token, inspection, data, "nodes-photo-0001")  # the retry lands on B
    assert (status, again["id"]) == (200, stored["id"])
    status, listed = b.api("GET", f"/api/inspections/{inspection}/evidence", token)
    assert [p["id"] for p in listed] == [stored["id"]]
    assert count(database, "SELECT count(*) FROM evidence WHERE upload_id = 'nodes-photo-0001'") == 1
    assert len(store_keys(a, f"evidence/{inspection}/")) == 1
    assert len(store_keys(a, f"thumbs/{inspection}/")) == 1


def test_one_upload_sent_to_both_nodes_at_once_is_stored_once(
    nodes: tuple[AppServer, AppServer], database: sa.Engine
) -> None:
    a, b = nodes
    inspection = new_inspection(a)
    token, _ = a.login("tx_inspector1")
    for round_ in range(3):
        data = jpeg(seed=80 + round_)
        upload_id = f"nodes-race-{round_:04d}"
        (status_a, on_a), (status_b, on_b) = at_once(
            functools.partial(upload, a, token, inspection, data, upload_id),
            functools.partial(upload, b, token, inspection, data, upload_id),
        )
        assert sorted((status_a, status_b)) == [200, 201], (on_a, on_b)  # one stored it, one found it
        assert on_a["id"] == on_b["id"]
        assert count(database, "SELECT count(*) FROM evidence WHERE upload_id = :u", u=upload_id) == 1
    assert len(store_keys(a, f"evidence/{inspection}/")) == 3
    assert len(store_keys(a, f"thumbs/{inspection}/")) == 3


# --- reports -------------------------------------------------------------------------------------


def report(server: AppServer, token: str, inspection_id: int) -> tuple[str, str, str]:
    status, headers, pdf = server.fetch("GET", f"/api/inspections/{inspection_id}/report", token)
    assert status == 200 and isinstance(pdf, bytes) and pdf[:4] == b"%PDF", pdf
    return headers["X-Report-Number"], headers["X-Report-Digest"], hashlib.sha256(pdf).hexdigest()


def renders(database: sa.Engine, inspection_id: int) -> int:
    return count(database, "SELECT count(*) FROM reports WHERE inspection_id = :i", i=inspection_id)


def test_a_report_rendered_on_one_node_is_served_by_the_other(
    nodes: tuple[AppServer, AppServer], database: sa.Engine
) -> None:
    a, b = nodes
    inspection = new_inspection(a)
    county, _ = a.login("tx_county")
    inspector, _ = b.login("tx_inspector1")
    push(b, inspector, [change(inspection, PLAIN[2])], "phone-rep-1")
    first = report(a, county, inspection)
    assert report(b, county, inspection) == first  # same number, digest and the very same PDF
    assert renders(database, inspection) == 1
    push(b, inspector, [change(inspection, PLAIN[3])], "phone-rep-1")  # the data changes...
    second = report(a, county, inspection)  # ...and either node renders it anew, once
    assert second[:2] != first[:2]
    assert report(b, county, inspection) == second
    assert renders(database, inspection) == 2


def test_one_report_asked_of_both_nodes_at_once_is_rendered_once(
    nodes: tuple[AppServer, AppServer], database: sa.Engine
) -> None:
    """Two reviewers open the same new report at the same moment, each through another node."""
    a, b = nodes
    inspection = new_inspection(a)
    county, _ = a.login("tx_county")
    inspector, _ = a.login("tx_inspector1")
    push(a, inspector, [change(inspection, PLAIN[4])], "phone-rep-2")
    on_a, on_b = at_once(  # a render takes seconds here: the two overlap
        functools.partial(report, a, county, inspection), functools.partial(report, b, county, inspection)
    )
    assert on_a == on_b  # the same number, digest and PDF: the one whose row was written first
    assert renders(database, inspection) == 1


# --- afterwards ----------------------------------------------------------------------------------


def test_the_audit_chain_and_the_store_check_clean_after_both_nodes_wrote(
    nodes: tuple[AppServer, AppServer],
) -> None:
    a, _ = nodes
    a.flask("audit", "verify")  # raises with the output when the command fails
    a.flask("storage", "verify")

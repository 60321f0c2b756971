"""Exports a bureau takes into Excel: the final results of a region and period (评审结果), and the
inspection list of a plan (检查名单). Both are XLSX workbooks written by server.formats.exports.

Results: every facility of the region with a final result (an approved county inspection or city
re-inspection) whose inspection date lies in the period, one row per facility and checklist
family, from its newest such result; one sheet per checklist edition and version, whose columns
are that checklist's chapters. A row carries the report the result rests on (its number and the
digest printed on the PDF) and the payout the rules in force at the period's end give it, as the
payout sheet computes it (server.domain.payouts.build_rows: the most specific rule, top-ups less
what was paid before, a payout already recorded for this report as recorded).

The export is read with a handful of set-based queries over the region and period
(server.db.exports). Reports are not rendered to read them: a stored report is used when nothing
changed since it was made (checked in bulk, as the payout sheet does), and only a result without
a current report costs a render. Chapter shares, core items and vetoes come from the scoring
result, computed again from the stored answers in batches (BATCH inspections a query): scoring is
pure and the same answers, facts and checklist give the same result the report's snapshot holds,
which its fingerprint guarantees for a current report. Only the part of the score the export
shows is computed (server.domain.scoring.summary_checked: item outcomes and chapter roll-ups, by
the engine's own steps); the tier and its rules are the report's.

A region with more results in the period than `export_inline_rows` is exported by a background
job (RESULTS_JOB); its file is downloaded from the jobs page.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from server import registry
from server.db import exports as queries
from server.db import payouts as payout_queries
from server.db.models import Facility, Inspection, Job
from server.domain import exports as domain
from server.domain import payouts as payout_domain
from server.domain import plans as plan_domain
from server.domain import regions, workflow
from server.domain.access import Principal
from server.domain.checklist import Checklist
from server.domain.errors import DomainError
from server.domain.identifiers import FACILITY_TYPES
from server.domain.labels import KIND_LABELS
from server.domain.scoring import Answer, check_facts, documents_from_json, summary_checked
from server.domain.times import format_instant
from server.extensions import db
from server.formats import exports as sheets
from server.services import checklists, jobs, payouts, plans, reports
from server.services.inspections import facility_facts, not_found

log = logging.getLogger(__name__)

RESULTS_JOB = "results_export"
BATCH = 500  # inspections whose answers are read and scored together
NOT_REACHED = "未达标，不予奖补"

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    data: bytes
    rows: int


def _no_progress(done: int, total: int, stage: str) -> None:
    pass


# --- reading the results ---------------------------------------------------------------------------


def _checked_region(code: str) -> str | None:
    try:
        regions.region_level(code)
    except regions.InvalidRegionCode:
        return None
    return code if payout_queries.region(code) is not None else None


def _scope(region_code: str, period: payout_domain.Period) -> queries.ResultScope:
    return queries.ResultScope(regions.scope_prefix(region_code), period.start, period.end)


def _newest(
    found: Sequence[queries.Result], models: dict[tuple[str, int], Checklist]
) -> list[queries.Result]:
    """The newest result of each facility and checklist family (by inspection date, then id)."""
    newest: dict[tuple[int, str], queries.Result] = {}
    for r in found:
        key = (r.facility_id, models[(r.checklist_id, r.checklist_version)].family)
        held = newest.get(key)
        if held is None or (r.inspection_date, r.inspection_id) > (held.inspection_date, held.inspection_id):
            newest[key] = r
    return list(newest.values())


ReportFacts = tuple[str, str, str, str]  # number, snapshot digest, tier code, tier label


def report_facts(
    ids: Any, chosen: Sequence[int], now: dt.datetime, render: bool, progress: Progress = _no_progress
) -> dict[int, ReportFacts]:
    """(number, digest, tier code, tier label) of the current report of each inspection of
    `chosen` (among the subquery `ids`): the stored one when nothing changed since it was made,
    checked in bulk; else rendered now when `render`, else left out."""
    stored = payout_queries.reports_of_ids(ids)
    markers = queries.change_markers(ids)
    statuses = queries.final_facts(ids)
    found: dict[int, ReportFacts] = {}
    stale: list[int] = []
    for inspection_id in chosen:
        status, version, _ = statuses[inspection_id]
        current = reports.fingerprint_of(inspection_id, status, version, markers[inspection_id])
        match = next((r for r in stored.get(inspection_id, []) if r.fingerprint == current), None)
        if match is not None:
            found[inspection_id] = (match.number, match.snapshot_sha256, match.tier_code, match.tier_label)
        else:
            stale.append(inspection_id)
    if not render:
        return found
    for done, inspection_id in enumerate(stale):
        progress(done, len(stale), "reports")
        inspection = db.session.get(Inspection, inspection_id)
        assert inspection is not None
        report = reports.current_report(inspection, now)
        found[inspection_id] = (report.number, report.snapshot_sha256, report.tier_code, report.tier_label)
    return found


def _facility(r: queries.Result) -> Facility:
    """A facility record to read facts from (not added to the session)."""
    return Facility(
        type_code=r.type_code,
        beds=r.beds,
        iv_infusion=r.iv_infusion,
        population_served=r.population_served,
        facts=r.facts,
    )


@dataclass(frozen=True)
class Measures:
    """What a row shows of its result's score."""

    shares: tuple[float | None, ...]
    core: str
    veto: str


def _measures(
    chosen: Sequence[queries.Result], models: dict[tuple[str, int], Checklist], progress: Progress
) -> dict[int, Measures]:
    """The chapter shares, core items and veto outcome of each result, from its stored answers,
    BATCH results at a time: the part of the score the export shows (server.domain.scoring
    summary_checked), kept only as the row's values, so a province's scores never pile up. A
    result that cannot be scored now (its facility lacks a fact the checklist needs: a record
    changed outside the app) gets empty cells rather than failing the export."""
    measures: dict[int, Measures] = {}
    for start in range(0, len(chosen), BATCH):
        progress(start, len(chosen), "collect")
        batch = chosen[start : start + BATCH]
        answers: dict[int, dict[str, Answer]] = defaultdict(dict)
        for inspection_id, item_id, grade, document_date, valid_until, documents in queries.answers(
            [r.inspection_id for r in batch]
        ):
            answers[inspection_id][item_id] = Answer(
                grade, document_date, valid_until, documents_from_json(documents)
            )
        for r in batch:
            model = models[(r.checklist_id, r.checklist_version)]
            try:
                facts = check_facts(model, facility_facts(_facility(r), model))
            except DomainError:
                log.warning("inspection %s: its facility's facts no longer score it", r.inspection_id)
                measures[r.inspection_id] = Measures((None,) * len(model.chapters), "", "")
                continue
            score = summary_checked(model, facts, answers.pop(r.inspection_id, {}), r.inspection_date)
            measures[r.inspection_id] = Measures(
                tuple(domain.chapter_shares(model, score)),
                domain.core_text(*domain.core_items(model, score)),
                domain.veto_text(model, score),
            )
    return measures


def _payouts(
    ids: Any,
    chosen: Sequence[queries.Result],
    models: dict[tuple[str, int], Checklist],
    facts: dict[int, ReportFacts],
    on: dt.date,
) -> dict[int, payout_domain.SheetRow]:
    """What the payout sheet would pay each result that reached a tier, by inspection."""
    tiers = {  # shared by the candidates of a checklist version: a province has 50,000
        key: (tuple(t.code for t in model.tiers), {t.code: t.label for t in model.tiers})
        for key, model in models.items()
    }
    candidates = []
    for r in chosen:
        model = models[(r.checklist_id, r.checklist_version)]
        tier_order, tier_labels = tiers[(r.checklist_id, r.checklist_version)]
        number, digest, tier_code, tier_label = facts[r.inspection_id]
        candidates.append(
            payout_domain.Candidate(
                facility_id=r.facility_id,
                facility_name=r.facility_name,
                uscc=r.uscc,
                type_code=r.type_code,
                type_name=FACILITY_TYPES.get(r.type_code, r.type_code),
                region_code=r.region_code,
                family=model.family,
                inspection_id=r.inspection_id,
                approved_on=r.inspection_date,
                tier_code=tier_code,
                tier_label=tier_label,
                tier_order=tier_order,
                tier_labels=tier_labels,
                report_number=number,
                report_digest=digest,
            )
        )
    rules = [payouts.rule_of(r) for r in payout_queries.rules()]
    by_id = {r.id: r for r in rules}
    paid: dict[tuple[int, str], list[tuple[int, str, payout_domain.Paid]]] = {}
    recorded: dict[tuple[int, str], payout_domain.Recorded] = {}
    for payout in queries.payouts_of(ids):
        paid.setdefault((payout.facility_id, payout.family), []).append(
            (
                payout.inspection_id,
                payout.report_sha256,
                payout_domain.Paid(payout.tier_code, payout.amount_yuan),
            )
        )
        recorded[(payout.inspection_id, payout.report_sha256)] = payout_domain.Recorded(
            payout.amount_yuan, by_id.get(payout.rule_id) if payout.rule_id else None
        )
    families = checklists.current_families()
    rows = payout_domain.build_rows(
        candidates, payout_domain.RuleIndex(rules), paid, recorded, on, families.codes
    )
    return {row.candidate.inspection_id: row for row in rows}


def _region_names(codes: set[str]) -> dict[str, str]:
    wanted = set()
    for code in codes:
        wanted.update({code[:6], code[:9]} if len(code) >= 9 else {code[:6]})
    return payout_queries.region_names(wanted)


def _region_path(code: str) -> tuple[str, str]:
    chain = [code]
    while (parent := regions.parent_code(chain[-1])) is not None:
        chain.append(parent)
    names = payout_queries.region_names(chain)
    return names.get(code, code), " ".join(names[c] for c in reversed(chain) if c in names)


def build_results(
    region_code: str, period_text: str, now: dt.datetime, progress: Progress = _no_progress
) -> domain.ResultsBook:
    """The results of the region for the period, as the workbook shows them."""
    if _checked_region(region_code) is None:
        raise DomainError("payouts.region_not_found", region=region_code[:20])
    period = payout_domain.parse_period(period_text)
    scope = _scope(region_code, period)
    ids = scope.ids()
    progress(0, 0, "collect")
    found = queries.results(scope)
    models = {
        key: checklists.get_checklist(*key) for key in {(r.checklist_id, r.checklist_version) for r in found}
    }
    chosen = _newest(found, models)
    del found  # the results the newest ones replace
    facts = report_facts(ids, [r.inspection_id for r in chosen], now, render=True, progress=progress)
    measures = _measures(chosen, models, progress)
    paying = _payouts(ids, chosen, models, facts, period.end)
    names = _region_names({r.region_code for r in chosen})
    families = checklists.current_families()
    by_checklist: dict[tuple[str, int], list[tuple[queries.Result, domain.ResultRow]]] = defaultdict(list)
    for r in chosen:
        measured = measures[r.inspection_id]
        number, digest, _, tier_label = facts[r.inspection_id]
        place = domain.region_path(r.region_code, names)
        sheet_row = paying.get(r.inspection_id)
        if sheet_row is None:  # no tier reached
            amount, note = None, NOT_REACHED
        elif sheet_row.rule is None:
            amount, note = None, payout_domain.BASIS_LABELS[payout_domain.NO_RULE]
        else:
            amount, note = sheet_row.amount_yuan, payout_domain.remark(sheet_row)
        by_checklist[(r.checklist_id, r.checklist_version)].append(
            (
                r,
                domain.ResultRow(
                    county=place.county,
                    township=place.township,
                    facility_name=r.facility_name,
                    type_name=FACILITY_TYPES.get(r.type_code, r.type_code),
                    identifier=r.uscc or r.licence_no or "",
                    kind_label=KIND_LABELS.get(r.kind, r.kind),
                    inspection_date=r.inspection_date,
                    tier_label=tier_label,
                    shares=measured.shares,
                    core=measured.core,
                    veto=measured.veto,
                    report_number=number,
                    report_digest=digest,
                    amount_yuan=amount,
                    payout_note=note,
                ),
            )
        )
    order = {code: i for i, code in enumerate(families.codes)}
    keys = sorted(
        by_checklist,
        key=lambda k: (order.get(models[k].family, len(order)), models[k].family, k[0], k[1]),
    )
    titles = domain.sheet_names(
        [(families.name(models[k].family), models[k].title, models[k].version) for k in keys]
    )
    groups = []
    for key, sheet_name in zip(keys, titles, strict=True):
        model = models[key]
        entries = sorted(
            by_checklist[key],
            key=lambda e: (e[0].region_code, domain.natural_key(e[0].facility_name), e[0].facility_id),
        )
        rows = tuple(row for _, row in entries)
        groups.append(
            domain.ResultGroup(
                sheet_name=sheet_name,
                family_name=families.name(model.family),
                checklist_title=model.title,
                checklist_version=model.version,
                chapter_headers=tuple(domain.chapter_header(model, c.id) for c in model.chapters),
                share_note=domain.share_note(model),
                rows=rows,
                tiers=_tiers(model, [facts[r.inspection_id][2] for r, _ in entries], rows),
            )
        )
    name, path = _region_path(region_code)
    return domain.ResultsBook(
        title=domain.results_title(name, period.label),
        region_path=path,
        period_label=period.label,
        period_start=period.start,
        period_end=period.end,
        generated_at=format_instant(now) or "",
        groups=tuple(groups),
    )


def _tiers(
    model: Checklist, codes: list[str], rows: Sequence[domain.ResultRow]
) -> tuple[domain.TierCount, ...]:
    """Facilities and payouts per tier, in the checklist's order, 未达标 last."""
    counts: Counter[str] = Counter()
    amounts: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for code, row in zip(codes, rows, strict=True):
        counts[code] += 1
        amounts[code] += row.amount_yuan or 0
        labels.setdefault(code, row.tier_label)
    order = [t.code for t in model.tiers]
    ranked = sorted(counts, key=lambda c: (order.index(c) if c in order else len(order), c))
    return tuple(domain.TierCount(labels[c], counts[c], amounts[c]) for c in ranked)


# --- downloading -----------------------------------------------------------------------------------


def _visible_region(principal: Principal, region_code: str) -> None:
    if _checked_region(region_code) is None or not principal.sees_region(region_code):
        raise not_found()


def results_for(principal: Principal, region_code: str, period_text: str, now: dt.datetime) -> Download:
    """The results workbook of a region inside the user's own, made inside the request; any other
    region answers like a missing one. More results than a request may export
    (`export_inline_rows`) are refused: a background job exports them."""
    _visible_region(principal, region_code)
    period = payout_domain.parse_period(period_text)
    limit = registry.settings().export_inline_rows
    if queries.count(_scope(region_code, period)) > limit:
        raise DomainError("exports.use_job", limit=f"{limit:,}")
    book = build_results(region_code, period_text, now)
    db.session.commit()  # a report rendered on the way is kept
    return Download(domain.file_name(book.title), sheets.XLSX_TYPE, sheets.results_xlsx(book), book.rows)


def _results_key(region_code: str, period_code: str) -> str:
    return f"{RESULTS_JOB}:{region_code}:{period_code}"


def request_results(principal: Principal, region_code: str, period_text: str) -> Job:
    """The job that exports the results of a region inside the user's own: the one already under
    way for the same export, else a new one."""
    _visible_region(principal, region_code)
    period = payout_domain.parse_period(period_text)
    job, _ = jobs.submit(
        RESULTS_JOB,
        _results_key(region_code, period.code),
        {"region_code": region_code, "period": period.code},
        region_code,
        principal.user_id,
        principal.username,
    )
    db.session.commit()
    return jobs.after_commit(job)


@jobs.handler(RESULTS_JOB)
def _results_job(params: dict[str, object], progress: jobs.Progress, scratch: PurePath) -> jobs.Output:
    region_code, period_code = str(params["region_code"]), str(params["period"])
    book = build_results(region_code, period_code, dt.datetime.now(dt.UTC), progress)
    rows = book.rows
    progress(0, rows, "render")
    name = domain.file_name(book.title)
    path = Path(str(scratch)) / "results.xlsx"

    def written(done: int, total: int) -> None:
        progress(done, total, "render")

    with path.open("wb") as out:
        sheets.write_results(book, out, written)
    progress(rows, rows, "render")
    return jobs.Output(name, sheets.XLSX_TYPE, path, {"rows": rows, "sheets": len(book.groups)})


@jobs.title(RESULTS_JOB)
def _results_title(job: Job, region_names: dict[str, str]) -> str:
    period = payout_domain.parse_period(str(job.params.get("period", "")))
    region = region_names.get(job.region_code, job.region_code)
    return f"{region} {period.label} 评审结果（电子表格）"


# --- a plan's inspection list ------------------------------------------------------------------------


PLAN_NOTE = "每行一项现场检查；达标等级与报告编号在终审通过后填写（报告编号为该结果当前的评审报告）。"


def plan_list(principal: Principal, plan_id: int, now: dt.datetime) -> Download:
    """The plan's visits as a workbook: the rows its page shows, with the final tier and report
    number of each visit finally approved. Reports are not rendered for it: a final visit whose
    report is not made yet has no number in the list."""
    view = plans.detail(principal, plan_id)  # answers 404 for a plan outside the user's region
    plan = view["plan"]
    finals = queries.plan_finals(plan_id)
    tiers = queries.final_facts(finals)
    numbers = report_facts(finals, sorted(tiers), now, render=False)
    rows = []
    for e in view["entries"]:
        own = e["self_assessment"]
        final = tiers.get(e["inspection_id"])
        report = numbers.get(e["inspection_id"])
        rows.append(
            domain.PlanRow(
                facility_name=e["facility_name"],
                region_name=e["region_name"],
                type_name=FACILITY_TYPES.get(e["facility_type"], e["facility_type"]),
                team="、".join(p["name"] for p in e["inspectors"]) or "未指派",
                planned_on=e["inspection_date"],
                progress_label=plan_domain.PROGRESS_LABELS[e["progress"]],
                status_label=workflow.status_label(e["status"]),
                tier_label=(final[2] or "") if final is not None else "",
                report_number=report[0] if report is not None else "",
                self_assessment=""
                if own is None
                else ("已提交" if own["done"] else plan_domain.PROGRESS_LABELS[own["progress"]]),
            )
        )
    listed = domain.PlanList(
        name=plan["name"],
        region_name=plan["region_name"],
        starts_on=plan["starts_on"],
        ends_on=plan["ends_on"],
        checklist=f"{plan['checklist_title']}（第 {plan['checklist_version']} 版）",
        kind_label=KIND_LABELS.get(plan["kind"], plan["kind"]),
        status_label=plan_domain.STATUS_LABELS.get(plan["status"], plan["status"]),
        requires_self_assessment=plan["requires_self_assessment"],
        generated_at=format_instant(now) or "",
        note=PLAN_NOTE,
        rows=tuple(rows),
    )
    data = io.BytesIO()
    sheets.write_plan(listed, data)
    return Download(
        domain.file_name(domain.plan_file_title(plan["name"])), sheets.XLSX_TYPE, data.getvalue(), len(rows)
    )

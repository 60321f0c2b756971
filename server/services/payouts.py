"""Payouts (达标奖补): the reward rules, loaded from a bureau's sheet or from the checklists'
defaults; the payout sheet (奖补资金分配表) of a region and period as PDF and XLSX; and recording
it, so that later periods pay only differences.

A sheet lists every facility of the region whose latest approved inspection of a checklist family
(final approval in the period) reached a tier, with the amount due under the rule that applies
and the inspection report the finance bureau attaches. It is built from a handful of set-based
queries over the region and period (server.db.payouts.Scope); only an inspection without a
current report costs a render (server.services.reports). The PDF and XLSX writers stream to a
file object and report progress, so that a background job can write a province's sheet.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePath
from typing import BinaryIO

from sqlalchemy.exc import IntegrityError

from server import registry
from server.db import checklists as checklist_queries
from server.db import lookups
from server.db import payouts as queries
from server.db import publications as publication_queries
from server.db.models import Inspection, Job, Payout, PayoutRule
from server.domain import payouts as domain
from server.domain import publications, regions
from server.domain.access import Principal
from server.domain.errors import DomainError
from server.domain.identifiers import FACILITY_TYPES
from server.domain.times import china_date, china_day_start, format_instant
from server.extensions import db
from server.formats import payout_rules, payout_sheet
from server.reports import fonts, paged
from server.reports.render import ReportFetcher, render_html
from server.reports.render import write_pdf as write_pdf_document
from server.services import audit, checklists, jobs, places, reports
from server.services.inspections import not_found

DEFAULT_VALID_FROM = dt.date(2018, 1, 1)  # the 优质服务基层行 campaign began in 2018


# --- rules ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RulesResult:
    count: int
    breakdown: dict[str, int]  # rules per family label


def loaded_tiers() -> dict[str, dict[str, str]]:
    """Family -> tier code -> label, over every loaded checklist (later versions win on labels)."""
    tiers: dict[str, dict[str, str]] = {}
    for version in checklist_queries.list_versions():
        for tier in version.definition.get("tiers", []):
            tiers.setdefault(version.family, {})[tier["code"]] = tier["label"]
    return tiers


def load_rules(filename: str, data: bytes, actor: str = "cli", actor_id: int | None = None) -> RulesResult:
    """Rules from a CSV or XLSX file: every row checked, all written or none."""
    families = checklists.current_families()
    report, read = payout_rules.read_rules(filename, data, loaded_tiers(), families)
    parsed = [
        (
            row,
            PayoutRule(
                region_code=rule.region_code,
                family=rule.family,
                tier_code=rule.tier_code,
                amount_yuan=rule.amount_yuan,
                top_up=rule.top_up,
                valid_from=rule.valid_from,
                note=rule.note,
                created_by=actor,
            ),
        )
        for row, rule in read
    ]
    known = lookups.existing_region_codes(r.region_code for _, r in parsed)
    taken = queries.existing_rule_keys()
    seen: dict[tuple[str, str, str, dt.date], int] = {}
    for row, rule in parsed:
        key = (rule.region_code, rule.family, rule.tier_code, rule.valid_from)
        if rule.region_code not in known:
            row.problem("region_code", f"地区 {rule.region_code} 不存在，请先导入地区")
        if key in seen:
            row.problem("valid_from", f"与第{seen[key]}行是同一地区、类别、等级和生效日期的规则")
        elif key in taken:
            row.problem(
                "valid_from", "该地区、类别和等级已有同一生效日期的规则；规则不可修改，调整请使用新的生效日期"
            )
        seen.setdefault(key, row.line)
    report.raise_if_any()
    new = [rule for _, rule in parsed]
    try:
        queries.add_rules(new)
        audit.record(
            "payout.rules",
            actor_id=actor_id,
            actor=actor,
            target_type="import",
            target_id=PurePath(filename).name[:64],
            after={"count": len(new)},
        )
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise DomainError("payouts.rules_conflict") from exc
    breakdown = Counter(families.name(r.family) for r in new)
    return RulesResult(len(new), dict(sorted(breakdown.items())))


def default_rules(
    region_code: str, valid_from: dt.date = DEFAULT_VALID_FROM, actor: str = "cli"
) -> list[PayoutRule]:
    """Rules for the region from the loaded checklists' tier rewards (top-up), for each family that
    has no rule in the region yet. Running it again adds nothing."""
    if _checked_region(region_code) is None:
        raise _region_missing(region_code)
    versions = checklist_queries.list_versions()
    if not versions:
        raise DomainError("payouts.no_checklists", command="flask --app wsgi checklists load")
    has_rules = queries.rule_families(region_code)
    amounts: dict[tuple[str, str], tuple[int, str]] = {}
    for version in sorted(versions, key=lambda v: v.pk):  # later loads win
        if version.family in has_rules:
            continue
        for tier in version.definition.get("tiers", []):
            if tier.get("reward_yuan") is not None:
                source = f"默认奖补标准，取自《{version.definition.get('title', '')}》第 {version.version} 版"
                amounts[(version.family, tier["code"])] = (int(tier["reward_yuan"]), source)
    new = [
        PayoutRule(
            region_code=region_code,
            family=family,
            tier_code=tier_code,
            amount_yuan=amount,
            top_up=True,
            valid_from=valid_from,
            note=note,
            created_by=actor,
        )
        for (family, tier_code), (amount, note) in sorted(amounts.items())
    ]
    if new:
        queries.add_rules(new)
        audit.record(
            "payout.rules_default",
            actor=actor,
            target_type="region",
            target_id=region_code,
            after={"count": len(new), "families": sorted({r.family for r in new})},
        )
        db.session.commit()
    return new


# --- the sheet -----------------------------------------------------------------------------------


def _checked_region(code: str) -> str | None:
    try:
        regions.region_level(code)
    except regions.InvalidRegionCode:
        return None
    return code if queries.region(code) is not None else None


def _region_missing(code: str) -> DomainError:
    return DomainError("payouts.region_not_found", region=code[:20])


def rule_of(row: PayoutRule) -> domain.Rule:
    """A stored reward rule as the payout rules read it."""
    return domain.Rule(
        row.region_code,
        row.family,
        row.tier_code,
        row.amount_yuan,
        row.top_up,
        row.valid_from,
        row.note,
        row.id,
    )


def _region_path(code: str) -> tuple[str, str]:
    chain = [code]
    while (parent := regions.parent_code(chain[-1])) is not None:
        chain.append(parent)
    names = queries.region_names(chain)
    return names.get(code, code), " ".join(names[c] for c in reversed(chain) if c in names)


def build_sheet(region_code: str, period_text: str, now: dt.datetime) -> domain.Sheet:
    """The payout sheet of the region for the period, with the amounts as recorded payouts stand now."""
    if _checked_region(region_code) is None:
        raise _region_missing(region_code)
    period = domain.parse_period(period_text)
    scope = queries.Scope(
        regions.scope_prefix(region_code),
        china_day_start(period.start),
        china_day_start(period.end + dt.timedelta(days=1)),
    )
    approved = queries.approved_inspections(scope)
    models = {
        key: checklists.get_checklist(*key)
        for key in {(a.checklist_id, a.checklist_version) for a in approved}
    }
    latest: dict[tuple[int, str], queries.Approved] = {}
    for a in approved:
        key = (a.facility_id, models[(a.checklist_id, a.checklist_version)].family)
        if key not in latest or (a.approved_at, a.inspection_id) > (
            latest[key].approved_at,
            latest[key].inspection_id,
        ):
            latest[key] = a
    chosen = list(latest.values())
    facts = report_facts(scope, chosen, now)
    tiers = {  # shared by the candidates of a checklist version: a province has 52,000
        key: (tuple(t.code for t in model.tiers), {t.code: t.label for t in model.tiers})
        for key, model in models.items()
    }
    candidates = []
    for (_, family), a in latest.items():
        tier_order, tier_labels = tiers[(a.checklist_id, a.checklist_version)]
        number, digest, tier_code, tier_label = facts[a.inspection_id]
        candidates.append(
            domain.Candidate(
                facility_id=a.facility_id,
                facility_name=a.facility_name,
                uscc=a.uscc,
                type_code=a.type_code,
                type_name=FACILITY_TYPES.get(a.type_code, a.type_code),
                region_code=a.region_code,
                family=family,
                inspection_id=a.inspection_id,
                approved_on=china_date(a.approved_at),
                tier_code=tier_code,
                tier_label=tier_label,
                tier_order=tier_order,
                tier_labels=tier_labels,
                report_number=number,
                report_digest=digest,
                licence_no=a.licence_no,
            )
        )
    rule_rows = queries.rules()
    rules = [rule_of(r) for r in rule_rows]
    by_id = {r.id: r for r in rules}
    index = domain.RuleIndex(rules)
    paid: dict[tuple[int, str], list[tuple[int, str, domain.Paid]]] = {}
    recorded: dict[tuple[int, str], domain.Recorded] = {}
    for payout in queries.payouts_of(scope):
        paid.setdefault((payout.facility_id, payout.family), []).append(
            (payout.inspection_id, payout.report_sha256, domain.Paid(payout.tier_code, payout.amount_yuan))
        )
        recorded[(payout.inspection_id, payout.report_sha256)] = domain.Recorded(
            payout.amount_yuan, by_id.get(payout.rule_id) if payout.rule_id else None
        )
    candidates, held = _publication_holds(scope, candidates, index, recorded, now)
    families = checklists.current_families()
    rows = domain.build_rows(candidates, index, paid, recorded, period.end, families.codes)
    name, path = _region_path(region_code)
    named = {r.candidate.region_code[:6] for r in rows} | {r.rule.region_code for r in rows if r.rule}
    named |= {regions.city_code(code) for code in named}
    sheet = domain.Sheet(
        region_code=region_code,
        region_name=name,
        region_path=path,
        period=period,
        generated_at=format_instant(now) or "",
        rows=tuple(rows),
        totals=tuple(domain.tier_totals(rows, families.codes)),
        total_yuan=sum(r.amount_yuan for r in rows),
        not_reached=sum(1 for c in candidates if c.tier_code == domain.TIER_NONE),
        family_names=families.names,
        held=tuple(held),
        issuer=places.issuing_body_of(region_code),
        region_names=queries.region_names(named),
    )
    return replace(sheet, digest=domain.sheet_digest(sheet))


def _publication_holds(
    scope: queries.Scope,
    candidates: list[domain.Candidate],
    index: domain.RuleIndex,
    recorded: dict[tuple[int, str], domain.Recorded],
    now: dt.datetime,
) -> tuple[list[domain.Candidate], list[domain.Held]]:
    """The candidates the sheet pays and those it holds back: where the facility's region (or one
    above it) pays only results whose publication (公示) ended with no upheld objection and none
    pending, a result not there yet is held back, unless its payout was recorded already (what
    was paid stays on its sheet)."""
    settings = publication_queries.payout_settings()
    if not any(settings.values()):
        return candidates, []
    facts = publication_queries.published_facts(scope)
    today = china_date(now)
    paid: list[domain.Candidate] = []
    held: list[domain.Held] = []
    for c in candidates:
        key = (c.inspection_id, c.report_digest)
        if (
            c.tier_code == domain.TIER_NONE
            or key in recorded
            or not publications.requires_publication(settings, index.chain(c.region_code))
        ):
            paid.append(c)
            continue
        reason = publications.hold(facts.get(key), today)
        if reason is None:
            paid.append(c)
        else:
            held.append(domain.Held(c, reason))
    return paid, held


def report_facts(
    scope: queries.Scope, chosen: Sequence[queries.Approved], now: dt.datetime
) -> dict[int, tuple[str, str, str, str]]:
    """(number, snapshot digest, tier code, tier label) of each inspection's current report: the
    stored one when nothing changed since it was made (checked in bulk over the scope), rendered
    otherwise."""
    stored = queries.reports_of(scope)
    markers = queries.change_markers(scope)
    facts: dict[int, tuple[str, str, str, str]] = {}
    stale: list[int] = []
    for a in chosen:
        current = reports.fingerprint_of(
            a.inspection_id, a.status, a.checklist_version, markers[a.inspection_id]
        )
        match = next((r for r in stored.get(a.inspection_id, []) if r.fingerprint == current), None)
        if match is None:
            stale.append(a.inspection_id)
        else:
            facts[a.inspection_id] = (match.number, match.snapshot_sha256, match.tier_code, match.tier_label)
    for inspection_id in stale:
        inspection = db.session.get(Inspection, inspection_id)
        assert inspection is not None
        report = reports.current_report(inspection, now)
        facts[inspection_id] = (report.number, report.snapshot_sha256, report.tier_code, report.tier_label)
    return facts


def record(sheet: domain.Sheet, actor: str, now: dt.datetime) -> tuple[domain.Sheet, int]:
    """Record the sheet's payouts not yet recorded (amounts above 0); returns the sheet with them
    marked and how many were added. Recording the same sheet again adds nothing.

    Recorders are serialised, and the sheet is built again under the lock: when what it pays
    changed since it was generated (another period was recorded meanwhile, so a top-up is now
    smaller), nothing is recorded and the caller must generate it again.

    Transactions: the caller's open one (the sheet was read in it) is committed first, since the
    lock must start a fresh one; the payouts and their audit entry are then committed together,
    or rolled back with the lock released."""
    db.session.commit()  # end the caller's read transaction: the lock starts a fresh one
    queries.lock_payouts()
    current = build_sheet(sheet.region_code, sheet.period.code, now)
    if current.digest != sheet.digest:
        db.session.rollback()
        raise DomainError("payouts.sheet_changed")
    sheet = current  # with the rows recorded meanwhile marked
    new = [
        Payout(
            facility_id=row.candidate.facility_id,
            family=row.candidate.family,
            tier_code=row.paid_tier_code,
            amount_yuan=row.amount_yuan,
            period=sheet.period.code,
            region_code=sheet.region_code,
            inspection_id=row.candidate.inspection_id,
            report_number=row.candidate.report_number,
            report_sha256=row.candidate.report_digest,
            rule_id=row.rule.id if row.rule is not None else None,
            recorded_at=now,
            recorded_by=actor,
        )
        for row in sheet.rows
        if not row.recorded and row.amount_yuan > 0
    ]
    if new:
        try:
            queries.add_payouts(new)
            audit.record(
                "payout.record",
                actor=actor,
                target_type="payout_sheet",
                target_id=f"{sheet.region_code}/{sheet.period.code}",
                after={
                    "count": len(new),
                    "amount_yuan": sum(p.amount_yuan for p in new),
                    "sheet_digest": sheet.digest,
                },
            )
            db.session.commit()
        except IntegrityError as exc:
            db.session.rollback()
            raise DomainError("payouts.record_conflict") from exc
    else:
        db.session.rollback()  # nothing to add: release the lock
    rows = tuple(replace(r, recorded=True) if r.amount_yuan > 0 else r for r in sheet.rows)
    return replace(sheet, rows=rows), len(new)


# --- PDF --------------------------------------------------------------------------------


def _no_evidence(key: str) -> bytes:
    raise KeyError(key)  # the fetcher lists no evidence keys, so this is never reached


# A sheet of up to this many rows is laid out as one WeasyPrint document in the calling process
# (2,000 rows: about 60 pages, 220 MB); a longer one in parts, in child processes
# (server.reports.paged), or as one document where pdfunite is missing.
SINGLE_DOCUMENT_ROWS = 2500


def _fetcher() -> ReportFetcher:
    return ReportFetcher(_no_evidence, ())


class SheetPdf:
    """A sheet's PDF ready to be written: a short sheet as one document's HTML, a long one as
    parts whose HTML is in files (server.reports.paged). Holds nothing of the sheet, so a caller
    can let a province's sheet go before the long part, the layout."""

    def __init__(self, rows: int, html: str | None = None, laid: paged.Laid | None = None) -> None:
        self.rows, self._html, self._laid = rows, html, laid

    def write(
        self, out: BinaryIO, progress: Callable[[int, int], None] | None = None, workers: int | None = None
    ) -> None:
        """`progress(rows done, rows)` as parts are done."""
        rows = self.rows
        if self._laid is None:
            out.write(write_pdf_document(self._html or "", _fetcher()))
            if progress is not None:
                progress(rows, rows)
            return

        def rows_progress(done: int, total: int) -> None:
            if progress is not None:
                progress(rows * done // total if total else rows, rows)

        paged.write_parts(self._laid, out, rows_progress, workers)


def prepare_pdf(sheet: domain.Sheet, directory: Path, single_rows: int | None = None) -> SheetPdf:
    """The sheet's PDF, its pages planned row by row (server.reports.paged): up to
    SINGLE_DOCUMENT_ROWS rows (or `single_rows`) one document laid out here, else parts whose HTML
    is written to `directory`, laid out in child processes."""
    context = domain.view(sheet, fonts.measure(domain.PDF_FONT_PT))
    items: list[domain.PdfItem] = context["items"]
    rows = len(sheet.rows)
    if not items:
        return SheetPdf(rows, html=render_html("payouts.html", part=None, probe=None, groups=[], **context))
    probe = render_html("payouts.html", part=None, probe=domain.probe_items(context), **context)
    planned = [
        paged.Item(i.block.lines, i.heading is not None, i.block.single, title=i.title is not None)
        for i in items
    ]
    one = rows <= (SINGLE_DOCUMENT_ROWS if single_rows is None else single_rows) or paged.joiner() is None
    parts = paged.plan(planned, paged.measure(probe, _fetcher()), pages_per_part=sys.maxsize if one else None)

    def html_of(part: paged.Part) -> str:
        pages = [domain.pdf_groups(items[page.start : page.end]) for page in part.pages]
        return render_html("payouts.html", part=part, probe=None, pages=pages, **context)

    if one:
        return SheetPdf(rows, html=html_of(parts[0]))
    return SheetPdf(rows, laid=paged.prepare(html_of, parts, directory))


def write_pdf(
    sheet: domain.Sheet,
    out: BinaryIO,
    progress: Callable[[int, int], None] | None = None,
    single_rows: int | None = None,
    workers: int | None = None,
) -> None:
    """The sheet as a PDF written to `out`. `progress(rows done, rows)` as parts are done."""
    with tempfile.TemporaryDirectory(prefix="dabiao-sheet-") as tmp:
        prepare_pdf(sheet, Path(tmp), single_rows).write(out, progress, workers)


def write_xlsx(
    sheet: domain.Sheet, out: BinaryIO, progress: Callable[[int, int], None] | None = None
) -> None:
    """The sheet as an XLSX workbook written to `out` (server.formats.payout_sheet)."""
    payout_sheet.write_xlsx(sheet, out, progress)


def pdf(sheet: domain.Sheet) -> bytes:
    out = io.BytesIO()
    write_pdf(sheet, out)
    return out.getvalue()


# --- downloads -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    data: bytes
    sheet: domain.Sheet


FORMATS = ("pdf", "xlsx")
_SAFE = re.compile(r"[^0-9A-Za-z-]")


def filename(sheet: domain.Sheet, fmt: str) -> str:
    return f"payouts-{sheet.region_code}-{_SAFE.sub('', sheet.period.code)}.{fmt}"


def render(sheet: domain.Sheet, fmt: str) -> Download:
    if fmt == "pdf":
        return Download(filename(sheet, fmt), "application/pdf", pdf(sheet), sheet)
    return Download(filename(sheet, fmt), payout_sheet.XLSX_TYPE, payout_sheet.xlsx(sheet), sheet)


def sheet_for(
    principal: Principal, region_code: str, period_text: str, fmt: str, now: dt.datetime
) -> Download:
    """The sheet of a region inside the user's own, made inside the request; any other region
    answers like a missing one. A region with more approved inspections than a request may
    render (`payout_inline_rows`) is refused: its sheet is made by a background job."""
    if fmt not in FORMATS or _checked_region(region_code) is None or not principal.sees_region(region_code):
        raise not_found()
    domain.parse_period(period_text)
    limit = registry.settings().payout_inline_rows
    if queries.approved_count(regions.scope_prefix(region_code)) > limit:
        raise DomainError("payouts.use_job", limit=f"{limit:,}")
    return render(build_sheet(region_code, period_text, now), fmt)


# --- as a background job -------------------------------------------------------------------------

SHEET_JOB = "payout_sheet"
FORMAT_LABELS = {"pdf": "PDF", "xlsx": "电子表格"}


def _sheet_key(region_code: str, period_code: str, fmt: str) -> str:
    return f"{SHEET_JOB}:{region_code}:{period_code}:{fmt}"


def request_sheet(principal: Principal, region_code: str, period_text: str, fmt: str) -> tuple[Job, bool]:
    """The job that makes the sheet of a region inside the user's own: the one already under way
    for the same sheet, else a new one. Returns (job, created)."""
    if fmt not in FORMATS or _checked_region(region_code) is None or not principal.sees_region(region_code):
        raise not_found()
    period = domain.parse_period(period_text)
    job, created = jobs.submit(
        SHEET_JOB,
        _sheet_key(region_code, period.code, fmt),
        {"region_code": region_code, "period": period.code, "format": fmt},
        region_code,
        principal.user_id,
        principal.username,
    )
    db.session.commit()
    return jobs.after_commit(job), created


def content_digest(sheet: domain.Sheet) -> str:
    """SHA-256 over everything the sheet shows but the time it was generated: two sheets with the
    same digest are the same document, so the second need not be rendered."""
    payload = {
        "region": [sheet.region_code, sheet.region_path],
        "period": sheet.period.code,
        "rows": payout_sheet.xlsx_rows(sheet),
        "totals": domain.totals_view(sheet),
        "total": sheet.total_yuan,
        "not_reached": sheet.not_reached,
    }
    if sheet.held:  # a sheet with none reads as it did before publications existed
        payload["held"] = domain.held_counts(sheet)
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@jobs.handler(SHEET_JOB)
def _sheet_job(params: dict[str, object], progress: jobs.Progress, scratch: PurePath) -> jobs.Output:
    region_code, period_code, fmt = str(params["region_code"]), str(params["period"]), str(params["format"])
    progress(0, 0, "collect")
    sheet = build_sheet(region_code, period_code, dt.datetime.now(dt.UTC))
    content = content_digest(sheet)
    meta = {
        "sheet_digest": sheet.digest,
        "content": content,
        "rows": len(sheet.rows),
        "total_yuan": sheet.total_yuan,
    }
    for earlier in jobs.earlier_results(_sheet_key(region_code, sheet.period.code, fmt)):
        if (earlier.result_meta or {}).get("content") == content:
            progress(1, 1, "reuse")
            return jobs.Output(filename(sheet, fmt), earlier.result_type or "", meta=meta, reuse=earlier)
    rows = len(sheet.rows)
    progress(0, rows, "render")
    name = filename(sheet, fmt)
    path = Path(str(scratch)) / name

    def rendered(done: int, total: int) -> None:
        progress(done, total, "render")

    if fmt == "pdf":
        parts = Path(str(scratch)) / "parts"
        parts.mkdir()
        pdf = prepare_pdf(sheet, parts)
        del sheet  # in the parts' HTML now: let a province's rows go before the layout
        paged.release_memory()
        with path.open("wb") as out:
            pdf.write(out, rendered)
        shutil.rmtree(parts)
    else:
        with path.open("wb") as out:
            write_xlsx(sheet, out, rendered)
    progress(rows, rows, "render")
    content_type = "application/pdf" if fmt == "pdf" else payout_sheet.XLSX_TYPE
    return jobs.Output(name, content_type, path, meta)


@jobs.title(SHEET_JOB)
def _sheet_title(job: Job, region_names: dict[str, str]) -> str:
    params = job.params
    period = domain.parse_period(str(params.get("period", "")))
    region = region_names.get(job.region_code, job.region_code)
    return f"{region} {period.label} 奖补资金分配表（{FORMAT_LABELS.get(str(params.get('format')), '')}）"

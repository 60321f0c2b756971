"""Verification as background jobs: the audit chain and the evidence store checked by a worker, on
demand (`flask jobs verify audit|storage`) or on a schedule the workers keep (hourly for the audit
chain from its checkpoint, nightly for the evidence added since the last clean run), each with a
report in Chinese to download.

Both checks are about the whole installation, not one region: the jobs belong to the top of the
region tree (the region without a parent), so only administrators of that level see them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from server import registry
from server.db import lookups
from server.db.models import Job
from server.domain.errors import DomainError
from server.domain.times import format_instant
from server.extensions import db
from server.services import audit, evidence, jobs

AUDIT_JOB = "audit_verify"
STORAGE_JOB = "storage_verify"
MODES = {
    AUDIT_JOB: ("checkpoint", "full"),
    STORAGE_JOB: ("all", "since-last", "sample"),
}
MODE_LABELS = {
    "checkpoint": "自上次校验点起",
    "full": "全链",
    "all": "全部对象",
    "since-last": "上次校验后新增",
    "sample": "随机抽样",
}
PROBLEM_LABELS = {"missing": "缺失", "mismatched": "内容不符", "orphaned": "无记录的对象"}


def top_region() -> str:
    roots = lookups.root_region_codes()
    if not roots:
        raise DomainError("jobs.no_region")
    return roots[0]


def submit(kind: str, mode: str, sample: int | None = None, actor: str = "cli") -> Job:
    """Queue a verification (run it at once where jobs run inline); returns the job."""
    if mode not in MODES[kind]:
        raise ValueError(f"{kind} has no mode {mode!r}")
    params: dict[str, Any] = {"mode": mode}
    if sample is not None:
        params["sample"] = sample
    key = f"{kind}:{mode}:{sample or ''}"
    job, _ = jobs.submit(kind, key, params, top_region(), None, actor)
    db.session.commit()
    return jobs.after_commit(job)


def _write(scratch: Any, name: str, lines: list[str]) -> Path:
    path = Path(str(scratch)) / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _now_text() -> str:
    return format_instant(dt.datetime.now(dt.UTC)) or ""


@jobs.handler(AUDIT_JOB)
def _audit_job(params: dict[str, Any], progress: jobs.Progress, scratch: Any) -> jobs.Output:
    full = params.get("mode") == "full"
    settings = registry.settings()
    result = audit.verify(
        registry.evidence_store(),
        full=full,
        retain_days=settings.evidence_retention_days,
        progress=lambda done, total: progress(done, total, "collect"),
    )
    rate = result.checked / result.seconds if result.seconds > 0 else 0.0
    start = "自第一条记录起" if result.start is None else f"自第 {result.start.seq} 条记录的校验点起"
    lines = [
        "审计日志校验报告",
        f"生成时间：{_now_text()}（北京时间）",
        f"范围：{start}（{MODE_LABELS['full' if full else 'checkpoint']}）",
        f"校验 {result.checked:,} 条记录，用时 {result.seconds:.1f} 秒（每秒 {rate:,.0f} 条）",
    ]
    if result.problems:
        lines.append(f"结论：发现 {len(result.problems)} 处问题，审计日志可能被篡改")
        lines += [f"  {problem}" for problem in result.problems]
    else:
        head = result.head.seq if result.head is not None else 0
        lines.append(f"结论：审计日志完整，共 {head:,} 条记录")
    meta = {"problems": len(result.problems), "checked": result.checked, "seconds": round(result.seconds, 2)}
    return jobs.Output(
        "audit-verify.txt", "text/plain; charset=utf-8", _write(scratch, "audit-verify.txt", lines), meta
    )


@jobs.handler(STORAGE_JOB)
def _storage_job(params: dict[str, Any], progress: jobs.Progress, scratch: Any) -> jobs.Output:
    mode = str(params.get("mode", "all"))
    sample = params.get("sample")
    report = evidence.verify_store(
        since_last=mode == "since-last",
        sample=int(sample) if mode == "sample" and sample else None,
        progress=lambda done, total: progress(done, total, "collect"),
    )
    rate = report.checked / report.seconds if report.seconds > 0 else 0.0
    lines = [
        "证据存储校验报告",
        f"生成时间：{_now_text()}（北京时间）",
        f"范围：{MODE_LABELS.get(mode, mode)}",
        f"校验 {report.checked:,} 个对象（{report.rows:,} 条证据记录），"
        f"用时 {report.seconds:.1f} 秒（每秒 {rate:,.0f} 个）",
    ]
    if report.sample is not None:
        lines.append(f"抽样：{report.sample.statement()}")
    for kind, label in PROBLEM_LABELS.items():
        if kind == "orphaned" and not report.orphans_checked:
            lines.append(f"{label}：本次未检查")
            continue
        lines.append(f"{label}：{report.counts[kind]:,} 个")
        lines += [f"  {key}" for key in getattr(report, kind)]
    lines.append("结论：" + ("发现问题，请核查" if report.problems else "未发现问题"))
    meta = {"problems": report.problems, "checked": report.checked, "seconds": round(report.seconds, 2)}
    name = "storage-verify.txt"
    return jobs.Output(name, "text/plain; charset=utf-8", _write(scratch, name, lines), meta)


def _title(job: Job, region_names: dict[str, str]) -> str:
    label = "审计日志校验" if job.kind == AUDIT_JOB else "证据存储校验"
    mode = MODE_LABELS.get(str(job.params.get("mode")), "")
    found = (job.result_meta or {}).get("problems")
    outcome = "" if found is None else ("：未发现问题" if found == 0 else f"：发现 {found} 处问题")
    return f"{label}（{mode}）{outcome}"


jobs.title(AUDIT_JOB)(_title)
jobs.title(STORAGE_JOB)(_title)

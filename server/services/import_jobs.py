"""A console import too large for one request (thousands of facilities, more than a few users:
each one-time password is hashed with a deliberately slow function) runs as a background job.

The file, checked as the preview checked it, is kept in the evidence store under its digest and
the job imports it in its own transaction, which commits with the job's success: a job killed
half-way imports nothing and its retry imports the file whole. The job's key is the file's
digest, so the same file sent twice while it runs is that one job; once it has run, the file is
refused as imported (import.already_done).

A users import ends with its one-time passwords: they are the job's result, a spreadsheet that
its starter may download once, after which it is deleted.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from server import registry
from server.db.models import Job
from server.domain.access import Principal
from server.domain.errors import DomainError
from server.extensions import db
from server.formats import cells
from server.services import imports, jobs

IMPORT_JOB = "import"
UPLOAD_PREFIX = "imports/"
KIND_NOUNS = {"facilities": "家机构", "users": "个账号"}
KIND_TITLES = {"facilities": "导入机构", "users": "导入用户"}


def inline_rows(kind: str) -> int:
    settings = registry.settings()
    return settings.import_inline_users if kind == "users" else settings.import_inline_rows


def run_or_queue(
    principal: Principal, kind: str, filename: str, data: bytes, sha256: str
) -> imports.ImportResult | dict[str, Any]:
    """The import of the previewed file: done now when small, else the job that does it (as
    `jobs.view` shows it)."""
    sheet = imports.console_sheet(kind, filename, data)
    if len(sheet.rows) <= inline_rows(kind):
        return imports.run(principal, kind, filename, data, sha256)
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256.lower():
        raise DomainError("import.changed")
    imports.refuse_again(kind, digest)
    key = f"{UPLOAD_PREFIX}{digest}"
    registry.evidence_store().put(key, data, digest, "application/octet-stream", {"kind": "import-upload"})
    job, _ = jobs.submit(
        IMPORT_JOB,
        f"{IMPORT_JOB}:{kind}:{digest}",
        {
            "kind": kind,
            "filename": Path(filename).name[:200],
            "sha256": digest,
            "upload": key,
            "rows": len(sheet.rows),
            "actor": jobs.actor_of(principal),
        },
        principal.region_code,
        principal.user_id,
        principal.username,
    )
    db.session.commit()
    return jobs.view([jobs.after_commit(job)])[0]


@jobs.handler(IMPORT_JOB)
def _import_job(params: dict[str, Any], progress: jobs.Progress, scratch: Path) -> jobs.Output:
    principal = jobs.acting(params["actor"])
    data = registry.evidence_store().get(params["upload"])
    progress(0, params["rows"], "check")
    result = imports.import_file(
        params["kind"],
        params["filename"],
        data,
        principal.username,
        principal.user_id,
        within=principal,
        digest=params["sha256"],
        commit=False,
    )
    summary = f"已导入 {result.count:,} {KIND_NOUNS.get(result.kind, '行')}"
    meta: dict[str, Any] = {"count": result.count, "breakdown": result.breakdown, "summary": summary}
    if not result.passwords:
        return jobs.Output(meta=meta)
    path = scratch / "passwords.xlsx"
    path.write_bytes(_passwords_sheet(result.passwords))
    meta["summary"] = f"{summary}；一次性密码表只能下载一次，下载后请当面或电话告知本人"
    return jobs.Output(
        filename="一次性密码.xlsx",
        content_type=imports.XLSX_TYPE,
        path=path,
        meta={**meta, "once": True},
    )


def _passwords_sheet(passwords: list[tuple[str, str]]) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]

    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("一次性密码")
    cells.append(ws, ["用户名", "一次性密码"])
    for username, password in passwords:
        cells.append(ws, [username, password])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@jobs.title(IMPORT_JOB)
def _import_title(job: Job, regions: dict[str, str]) -> str:
    params = job.params
    what = KIND_TITLES.get(params.get("kind", ""), "导入")
    return f"{what}（{params.get('filename', '')}，{params.get('rows', 0):,} 行）"

"""The words people read for the server's codes: one module, so that the PDF report and the app
say the same thing. The workflow's states and actions have their labels in workflow.py, with the
table they belong to; everything else is here. `python -m server export-rules` writes `as_data()`
into pwa/src/generated/labels.json, which the app reads instead of keeping its own copy.
"""

from __future__ import annotations

from typing import Any

from server.domain import plans, publications, sampling, workflow
from server.domain.checklist import FACT_TYPE_LABELS, NOT_APPLICABLE, NOT_MET
from server.domain.evidence import (
    FLAG_EXIF_PLACE_INVALID,
    FLAG_FAR_FROM_FACILITY,
    FLAG_NO_CAPTURE_TIME,
    FLAG_SAME_AS_INSPECTION,
    FLAG_TIME_BEFORE_TASK,
    FLAG_TIME_OUTSIDE_VISIT,
    FLAG_USED_FOR_OTHER_FACILITY,
)
from server.domain.identifiers import FACILITY_TYPES

# The kinds of inspection (workflow.KINDS).
KIND_LABELS = {
    "self_assessment": "机构自评",
    "county_inspection": "县级评审",
    "city_reinspection": "市级复核评审",
}

ROLE_LABELS = {
    workflow.INSPECTOR: "检查员",
    workflow.SELF_ASSESSOR: "机构自评人员",
    workflow.COUNTY_REVIEWER: "县级审核员",
    workflow.CITY_REVIEWER: "市级复核员",
    workflow.ADMIN: "管理员",
    workflow.FINANCE: "财务人员",
}

# How a state is marked on screen (a Vant tag type): where it stands, at a glance.
Tone = str  # "default" | "primary" | "warning" | "success" | "danger"
STATUS_TONES: dict[str, Tone] = {
    workflow.DRAFT: "default",
    workflow.SUBMITTED: "primary",
    workflow.COUNTY_REVIEW: "warning",
    workflow.RETURNED: "danger",
    workflow.COUNTY_APPROVED: "primary",
    workflow.CITY_REVIEW: "warning",
    workflow.APPROVED: "success",
    workflow.REJECTED: "danger",
    workflow.CANCELLED: "default",
}

# An item's outcome when it is not one of the checklist's own grades.
UNANSWERED = "unanswered"
OUTCOME_LABELS = {NOT_MET: "不达标", NOT_APPLICABLE: "不适用", UNANSWERED: "未作答"}

# Why a scored outcome differs from the answer (scoring.py, ItemOutcome.reason), and why a
# tier's rule did not count (`no_applicable_items`).
REASON_LABELS = {
    "condition": "按机构条件不适用",
    "inspector": "检查员判定不适用",
    UNANSWERED: "未作答",
    "document_date_missing": "缺少文件日期，按不达标计",
    "document_expired": "文件已过期，按不达标计",
    "no_applicable_items": "没有适用的条款",
}

FLAG_LABELS = {
    FLAG_TIME_OUTSIDE_VISIT: "拍摄时间不在检查当天",
    FLAG_FAR_FROM_FACILITY: "拍摄地点远离机构",
    FLAG_EXIF_PLACE_INVALID: "照片中的定位信息无效",
    FLAG_USED_FOR_OTHER_FACILITY: "同一照片用于其他机构",
    FLAG_NO_CAPTURE_TIME: "无拍摄时间",
    FLAG_TIME_BEFORE_TASK: "拍摄时间早于整改任务下达",
    FLAG_SAME_AS_INSPECTION: "与评审时的照片相同",
}

# Who wrote an answer revision (AnswerRevision.source).
SOURCE_LABELS = {"inspector": "检查员", "review": "审核修改", "migration": "数据迁移"}

# An item's tier in the checklist (reports).
TIER_ITEM_LABELS = {"basic": "基本", "recommended": "推荐", "community_hospital": "社区医院"}

# The parts /healthz reports on.
HEALTH_COMPONENT_LABELS = {"database": "数据库", "evidence_store": "证据存储", "checklists": "评审标准"}

# Background jobs (server.services.jobs): what they do, where they stand, and the step they are at.
JOB_KIND_LABELS = {
    "payout_sheet": "奖补资金分配表",
    "report": "评审报告",
    "audit_verify": "审计日志校验",
    "storage_verify": "证据存储校验",
    "plan": "创建评审计划",
    "import": "批量导入",
    "results_export": "评审结果导出",
}
JOB_STATE_LABELS = {"queued": "排队中", "running": "进行中", "succeeded": "已完成", "failed": "失败"}
JOB_STATE_TONES: dict[str, Tone] = {
    "queued": "default",
    "running": "primary",
    "succeeded": "success",
    "failed": "danger",
}
JOB_STAGE_LABELS = {
    "collect": "汇总数据",
    "reports": "生成评审报告",
    "render": "排版输出",
    "store": "保存结果",
    "reuse": "沿用已生成的相同结果",
    "check": "核对机构与检查组",
    "create": "创建检查任务",
}


# What each audit entry records, as the audit log shows it (every action the server records has one:
# tests/api/test_audit_console.py reads the sources). An inspection's workflow moves take the
# transition's own label.
AUDIT_ACTION_LABELS: dict[str, str] = {
    "auth.login": "登录",
    "auth.login_failed": "登录失败",
    "auth.logout": "退出登录",
    "auth.password_changed": "修改密码",
    "auth.unlock": "解除登录限制",
    "auth.unblock_address": "解除地址登录限制",
    "users.created": "创建账号",
    "users.updated": "修改账号",
    "users.disabled": "停用账号",
    "users.enabled": "启用账号",
    "users.password_reset": "重置密码",
    "import.regions": "导入地区",
    "import.facilities": "导入机构",
    "import.users": "导入用户",
    "facility.facts": "修改机构信息",
    "inspection.create": "创建评审",
    "inspection.assign": "指派检查员",
    "inspection.migrate_draft": "草稿升级评审标准版本",
    "plan.create": "创建评审计划",
    "plan.change": "调整计划中的检查",
    "plan.cancel": "取消评审计划",
    **{f"inspection.{t.action}": t.label for t in workflow.TRANSITIONS.values()},
    "sync.apply": "同步评审数据",
    "evidence.upload": "上传照片",
    "answer.regrade": "审核改分",
    "conflict.resolve": "处理同步冲突",
    "report.render": "生成评审报告",
    "sample.draw": "抽取复核样本",
    "payout.rules": "导入奖补标准",
    "payout.rules_default": "设置默认奖补标准",
    "payout.record": "登记奖补资金",
    "payout.rule": "新增奖补标准",
    "dashboard.target": "设置达标目标",
    "payout.setting": "设置奖补发放的公示要求",
    "region.issuing_body": "设置文书出具单位",
    "publication.create": "发布结果公示",
    "publication.objection": "登记公示异议",
    "publication.decide": "处理公示异议",
    "job.submit": "提交后台任务",
    "job.succeeded": "后台任务完成",
    "job.failed": "后台任务失败",
    "job.prune": "清理后台任务文件",
    "job.downloaded_once": "下载一次性密码表",
    "seed.demo": "生成演示数据",
    "rectification.create": "生成整改任务",
    "rectification.photo": "上传整改照片",
    "rectification.submit": "提交整改",
    "rectification.accept": "整改验收通过",
    "rectification.return": "整改退回",
}

# What an entry is about (its target_type).
AUDIT_TARGET_LABELS: dict[str, str] = {
    "user": "账号",
    "session": "登录会话",
    "address": "客户端地址",
    "import": "导入文件",
    "facility": "机构",
    "inspection": "评审",
    "evidence": "照片",
    "report": "报告",
    "conflict": "同步冲突",
    "sample": "复核样本",
    "plan": "评审计划",
    "rectification": "整改任务",
    "payout_sheet": "奖补资金分配表",
    "region": "地区",
    "publication": "结果公示",
}


# Who did something when no user did: a command on the server, the demo data.
SYSTEM_ACTOR_LABELS = {"cli": "系统命令", "seed": "演示数据"}


def label(labels: dict[str, str], code: str | None) -> str:
    """The label of `code`, or the code itself when it has none."""
    return labels.get(code or "", code or "")


def as_data() -> dict[str, Any]:
    """Every label here as plain data for the app (pwa/src/generated/labels.json)."""
    return {
        "kinds": KIND_LABELS,
        "roles": ROLE_LABELS,
        "status_tones": {s: STATUS_TONES[s] for s in workflow.STATUSES},
        "outcomes": OUTCOME_LABELS,
        "reasons": REASON_LABELS,
        "flags": FLAG_LABELS,
        "sources": SOURCE_LABELS,
        "tier_items": TIER_ITEM_LABELS,
        "health_components": HEALTH_COMPONENT_LABELS,
        "fact_types": FACT_TYPE_LABELS,
        "job_kinds": JOB_KIND_LABELS,
        "job_states": JOB_STATE_LABELS,
        "job_state_tones": JOB_STATE_TONES,
        "job_stages": JOB_STAGE_LABELS,
        "facility_types": FACILITY_TYPES,
        "audit_actions": AUDIT_ACTION_LABELS,
        "audit_targets": AUDIT_TARGET_LABELS,
        "system_actors": SYSTEM_ACTOR_LABELS,
        "sample_review_states": sampling.REVIEW_STATE_LABELS,
        "plan_statuses": plans.STATUS_LABELS,
        "plan_progress": plans.PROGRESS_LABELS,
        "plan_progress_tones": plans.PROGRESS_TONES,
        "plan_kinds": {k: KIND_LABELS[k] for k in plans.KINDS},
        "plan_kind_of_role": plans.KIND_OF_ROLE,
        "publication_states": publications.STATE_LABELS,
        "publication_state_tones": publications.STATE_TONES,
        "publication_entry_statuses": publications.ENTRY_STATUS_LABELS,
        "objection_outcomes": publications.OUTCOME_LABELS,
        "objection_outcome_tones": publications.OUTCOME_TONES,
        "payout_holds": publications.HOLD_LABELS,
    }

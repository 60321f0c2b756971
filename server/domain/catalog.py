"""The one catalog of error codes: every code the server can raise, its HTTP status and the
Chinese message people read.

A raise site names the code and the values the message needs; the status and the words come
from here, so one code always reads the same wherever it is raised:

    raise DomainError("auth.throttled", minutes=12, retry_after=700)

A message is a `str.format` template; its {fields} are the parameters the raise site passes.
Messages never end with the code: the code travels in its own field. Codes are part of the
public contract (see errors.py): never rename one, add a new one instead.
Each entry also says whether a client may simply send the same request again (`retryable`): yes
for what passes by itself (a timeout, throttling, a server or store briefly unavailable, a
conflict with a concurrent write that was rolled back whole), no for a refusal that holds until
something changes (an invalid field, a missing permission, a missing resource, a workflow step
the inspection's state does not allow). The catalog is published in the OpenAPI document
(`x-error-catalog`, and the error body's `code` as an enum) and exported to the app
(`python -m server export-rules` writes pwa/src/generated/errors.json), which decides from it
what to send again.
tests/api/test_error_catalog.py reads the server's source and fails on a code raised anywhere
that is missing here, on a status that disagrees, and on a message with English words in it.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Entry:
    status: int  # the HTTP status the code is answered with
    message: str  # Chinese; a str.format template over the raise site's parameters
    retryable: bool = False  # sending the same request again, unchanged, may succeed
    also: tuple[int, ...] = ()  # other statuses a raise site may give for the same code

    @property
    def params(self) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.message) if name}

    def statuses(self) -> tuple[int, ...]:
        return (self.status, *self.also)


# Problem codes (one field of an input) carry the status of the error that lists them (422 for a
# request, 400 for a file read by a command); their message here is the general one, a field's
# problem usually says more (which length, which choices).
CATALOG: dict[str, Entry] = {
    # --- HTTP protocol errors (server/api/errors.py) ---
    "http.bad_request": Entry(400, "请求无效"),
    "http.unauthorized": Entry(401, "请先登录"),
    "http.forbidden": Entry(403, "无权进行此操作"),
    "http.not_found": Entry(404, "未找到，或不在您的权限范围内"),
    "http.method_not_allowed": Entry(405, "不支持此请求方法"),
    "http.not_acceptable": Entry(406, "无法按要求的格式回答"),
    "http.request_timeout": Entry(408, "请求超时，请重试", retryable=True),
    "http.conflict": Entry(409, "与当前状态冲突"),
    "http.gone": Entry(410, "已不存在"),
    "http.length_required": Entry(411, "请求缺少内容长度"),
    "http.precondition_failed": Entry(412, "前提条件不满足"),
    "http.payload_too_large": Entry(413, "请求内容过大"),
    "http.uri_too_long": Entry(414, "请求地址过长"),
    "http.unsupported_media_type": Entry(415, "不支持的内容类型"),
    "http.range_not_satisfiable": Entry(416, "请求的范围无效"),
    "http.precondition_required": Entry(428, "请求缺少前提条件"),
    "http.too_many_requests": Entry(429, "请求过于频繁，请稍后再试", retryable=True),
    "http.headers_too_large": Entry(431, "请求头过大"),
    "http.internal": Entry(500, "服务器内部错误，请稍后重试", retryable=True),
    "http.not_implemented": Entry(501, "服务器不支持此操作"),
    "http.unavailable": Entry(503, "服务暂时不可用，请稍后再试", retryable=True),
    "server.internal": Entry(500, "服务器内部错误，请稍后重试；如果一再出现，请联系管理员", retryable=True),
    "db.unavailable": Entry(503, "数据库暂时繁忙或不可用，请稍后重试", retryable=True),
    "pwa.not_built": Entry(503, "应用尚未构建，请管理员运行 {command}"),
    # --- the request and its fields (server/api/base.py, server/api/fields.py) ---
    "request.invalid": Entry(422, "请求中有无效的字段"),
    "request.unsupported_media_type": Entry(415, "请以 JSON 格式发送请求"),
    "request.missing_field": Entry(422, "缺少必填字段"),
    "request.unknown_field": Entry(422, "未知字段"),
    "request.invalid_field": Entry(422, "值无效"),
    "request.invalid_text": Entry(422, "文本中含有不允许的字符"),
    "request.out_of_range": Entry(422, "超出允许范围"),
    "request.invalid_datetime": Entry(
        422, "时间格式应为带时区的 ISO 8601（如 2026-11-20T09:30:00+08:00），年份在 1900 至 2100 之间"
    ),
    "request.invalid_cursor": Entry(422, "翻页标记无效，请从第一页重新开始"),
    # --- strict JSON (server/domain/jsonstrict.py) ---
    "json.invalid": Entry(400, "内容不是有效的 JSON：{detail}"),
    "json.non_finite_number": Entry(400, "数字 {literal} 无效或超出范围"),
    "json.number_too_long": Entry(400, "整数超过 {digits} 位"),
    "json.duplicate_key": Entry(400, "重复的键“{key}”"),
    "json.too_deep": Entry(400, "嵌套超过 {max_depth} 层"),
    # --- login and sessions ---
    "auth.required": Entry(401, "请先登录"),
    "auth.session_expired": Entry(401, "登录已过期，请重新登录"),
    "auth.invalid_credentials": Entry(401, "用户名或密码错误"),
    "auth.throttled": Entry(429, "登录失败次数过多，请 {minutes} 分钟后再试", retryable=True),
    "auth.forbidden": Entry(403, "您的角色无权进行此操作"),
    "auth.weak_password": Entry(400, "密码至少需要 {min_length} 个字符", also=(422,)),
    "auth.password_change_required": Entry(403, "请先修改初始密码，再进行其他操作"),
    "auth.wrong_password": Entry(422, "当前密码不正确"),
    "auth.same_password": Entry(422, "新密码不能与当前密码相同"),
    # --- user accounts managed in the console (server/services/users.py) ---
    "users.not_grantable": Entry(403, "您不能授予或管理“{role}”角色的账号"),
    "users.self": Entry(409, "不能停用自己的账号，也不能更改自己的角色或地区"),
    "users.username_taken": Entry(409, "用户名“{username}”已被使用"),
    "users.invalid": Entry(422, "账号信息有误"),
    "users.reason_required": Entry(422, "请填写原因（至少 {min_length} 个字）"),
    "users.unchanged": Entry(409, "账号已是此状态"),
    # --- reward rules in the console (server/services/payout_console.py) ---
    "payouts.invalid_rule": Entry(422, "奖补标准有误"),
    "payouts.rule_exists": Entry(
        409, "该地区、类别和等级已有同一生效日期的奖补标准；标准不可修改，调整请使用新的生效日期"
    ),
    # --- campaign plans (server/services/plans.py) ---
    "dashboard.invalid": Entry(422, "统计条件有误"),
    "dashboard.invalid_target": Entry(422, "目标有误，未保存"),
    "plan.invalid": Entry(422, "评审计划有 {count} 处问题，未创建任何检查"),
    "plan.invalid_change": Entry(422, "调整有 {count} 处问题，未作修改"),
    "plan.request_reused": Entry(409, "此请求编号已用于另一个评审计划，请刷新页面后重新提交"),
    "plan.pending": Entry(409, "评审计划正在创建中，请稍后再试"),
    "plan.cancelled": Entry(409, "评审计划已取消，不能再调整"),
    "plan.work_started": Entry(409, "“{facility}”的检查已经开始，不能再调整检查组或日期"),
    "plan.reason_required": Entry(422, "请填写取消原因（至少 {min_length} 个字）"),
    "plan.self_assessment_pending": Entry(
        409, "本机构尚未提交自评：评审计划要求机构先完成自评，再提交检查结果"
    ),
    # --- publication of results (server/services/publications.py) ---
    "publication.invalid": Entry(422, "公示有 {count} 处问题，未发布"),
    "publication.changed": Entry(
        409, "可公示的结果在预览后已有变化（新的终审、重新开启或已在其他公示中），请重新预览后再发布"
    ),
    "publication.request_reused": Entry(409, "此请求编号已用于另一个公示，请刷新页面后重新提交"),
    "publication.invalid_objection": Entry(422, "异议登记有 {count} 处问题，未登记"),
    "publication.entry_withdrawn": Entry(409, "该结果已因异议成立而撤销，不再受理异议"),
    "publication.objection_decided": Entry(409, "该异议已处理，处理结果不可更改"),
    "publication.reason_required": Entry(422, "请填写处理理由（至少 {min_length} 个字）"),
    # --- checklists (files, manifest, loading) ---
    "file.unreadable": Entry(400, "无法读取文件 {path}：{reason}"),
    "checklist.invalid": Entry(400, "评审标准定义有 {count} 处问题"),
    "checklist.none_found": Entry(400, "{path} 下没有评审标准定义文件"),
    "checklist.manifest_invalid": Entry(400, "清单文件 {path} 缺少文件列表"),
    "checklist.already_published": Entry(409, "{path} 已以不同内容发布，请发布新版本"),
    "checklist.digest_mismatch": Entry(409, "已发布的评审标准文件与发布清单或已加载的内容不一致"),
    "checklist.not_found": Entry(404, "本服务器上没有评审标准 {checklist_id} 第 {version} 版"),
    "checklist.schema": Entry(400, "评审标准定义不符合格式要求"),
    "checklist.semantic": Entry(400, "评审标准定义内容有误"),
    "checklist.invalid_text": Entry(400, "文本中含有不允许的字符"),
    "checklist.too_long": Entry(400, "文本超过数据库可存储的长度"),
    "checklist.invalid_date": Entry(400, "日期格式应为 YYYY-MM-DD，且在 1900-01-01 至 2100-12-31 之间"),
    "checklist.location": Entry(400, "文件所在目录与定义中的类别、版别或版本号不一致"),
    "checklist.duplicate": Entry(400, "同一评审标准的同一版本出现在多个文件中"),
    "checklist.out_of_range": Entry(400, "数值或文本超出数据库可存储的范围"),
    "checklist.db_refused": Entry(
        409,
        "数据库拒绝保存评审标准 {path}（可能有其他进程正在同时加载），"
        "请稍后重试；如仍失败，请先运行 {command} 检查",
        retryable=True,
    ),
    "checklist.unknown_family": Entry(400, "评审标准类别未登记"),
    "families.invalid": Entry(400, "评审标准类别登记文件 {path} 有 {count} 处问题"),
    "families.schema": Entry(400, "评审标准类别登记不符合格式要求"),
    "families.duplicate": Entry(400, "评审标准类别的代码或名称重复"),
    "families.facility_type": Entry(400, "未知的机构类别代码"),
    "checklist.fact_conflict": Entry(
        400, "机构信息的声明与其他评审标准不一致：同一项机构信息在各评审标准中的类型须相同"
    ),
    # --- scoring input: facts and answers (server/domain/scoring.py) ---
    "input.invalid": Entry(400, "输入应为包含所需字段的 JSON 对象"),
    "input.unknown_field": Entry(400, "未知字段"),
    "input.missing_field": Entry(400, "缺少必填字段"),
    "input.invalid_date": Entry(
        400, "日期格式应为 YYYY-MM-DD，且在 1900-01-01 至 2100-12-31 之间", also=(422,)
    ),
    "facts.invalid": Entry(400, "机构信息无效"),
    "facts.unknown": Entry(400, "不是此评审标准使用的机构信息"),
    "facts.type": Entry(400, "机构信息的类型不对"),
    "facts.missing": Entry(400, "缺少此项机构信息"),
    "facts.out_of_range": Entry(400, "超出允许范围（{range}）"),
    "facts.read_only": Entry(400, "此项机构信息由机构记录得出（床位数、机构类别），不能直接修改"),
    "facts.required": Entry(400, "此项机构信息不能清空"),
    "facts.invalid_text": Entry(400, "文本中含有不允许的字符，或过长"),
    "answers.invalid": Entry(400, "评分不符合评审标准"),
    "answers.unknown_item": Entry(400, "此版本评审标准中没有该条款"),
    "answers.unknown_field": Entry(400, "未知字段"),
    "answers.invalid_grade": Entry(400, "等级不在此条款允许的范围内"),
    "answers.invalid_note": Entry(400, "备注无效"),
    "answers.not_applicable_not_allowed": Entry(400, "此条款只能根据机构信息判定为不适用"),
    "answers.checklist_mismatch": Entry(400, "这些答案不属于评审标准 {checklist_id} 第 {version} 版"),
    "answers.document_form": Entry(400, "文件日期的填写方式与此条款的文件不符"),
    "answers.unknown_document": Entry(400, "此条款没有该文件"),
    "answers.document_after_inspection": Entry(
        422, "“{document}”的出具日期 {date} 晚于检查日期 {inspection_date}，不能作为本次检查的依据"
    ),
    # --- inspections ---
    "inspection.not_found": Entry(404, "评审不存在"),
    "inspection.invalid_kind": Entry(422, "评审类型无效：{reason}"),
    "inspection.kind_not_allowed": Entry(403, "您的角色只能新建{kind}"),
    "inspection.checklist_mismatch": Entry(422, "此评审标准不适用于该类机构"),
    "inspection.invalid_inspector": Entry(422, "有检查员不能被分派到此机构"),
    "inspection.not_editable": Entry(409, "评审当前为“{status_label}”，只有草稿或已退回的评审可以修改"),
    "inspection.locked": Entry(409, "评审已锁定，当前状态下不能修改"),
    "inspection.version_not_newer": Entry(409, "目标版本必须比当前版本新"),
    "inspection.incomplete": Entry(409, "还有 {count} 个条款未完成，不能提交评审：请逐项处理后再试"),
    "inspection.item_unanswered": Entry(409, "未作答"),
    "inspection.item_photos_missing": Entry(409, "照片不足"),
    "inspection.item_conflict": Entry(409, "有未解决的冲突"),
    "inspection.item_incomplete": Entry(409, "未完成"),
    "inspection.unknown_tier": Entry(422, "没有这个等级：{tier}"),
    # --- the review workflow (server/domain/workflow.py) ---
    "workflow.unknown_action": Entry(400, "没有这个操作"),
    "workflow.role_not_allowed": Entry(403, "您的角色不能进行此操作"),
    "workflow.invalid_transition": Entry(409, "评审当前为“{status_label}”，不能{action}"),
    "workflow.reason_required": Entry(400, "此操作需要填写理由（至少 {min_length} 个字）"),
    "workflow.not_participant": Entry(403, "只有本次检查的检查员可以提交"),
    "workflow.sampled_for_review": Entry(409, "本评审已被抽中市级复核：请先开始复核，复核后才能终审通过"),
    "review.evidence_incomplete": Entry(409, "还有 {count} 个条款未完成，不能通过审核：请逐项处理后再试"),
    "review.conflict_of_interest": Entry(403, "您参与了本次检查，不能审核"),
    "review.not_assigned_reviewer": Entry(403, "本评审由其他审核员负责"),
    "review.same_reviewer": Entry(403, "县级审核员不能同时做市级复核"),
    "review.not_in_review": Entry(409, "只有在本级审核期间才能修改评分"),
    "review.reason_required": Entry(400, "修改评分需要填写理由（至少 {min_length} 个字）"),
    "review.stale_revision": Entry(409, "该条款已被他人修改（现为第 {revision} 版），请刷新后重试"),
    "conflict.already_resolved": Entry(409, "这个冲突已经处理过了"),
    "conflict.not_participant": Entry(403, "现在只有本次评审的检查员可以处理冲突"),
    "conflict.reason_required": Entry(400, "处理冲突需要填写理由（至少 {min_length} 个字）"),
    "facility.reason_required": Entry(400, "修改机构信息需要填写理由（至少 {min_length} 个字）"),
    "facility.facts_invalid": Entry(422, "机构信息有 {count} 处问题，未作修改"),
    "facility.fact_in_use": Entry(
        409, "机构信息“{label}”是本机构 {date} 的评审（{checklist}）所需，不能清空；未作修改"
    ),
    "facility.result_locked": Entry(
        409,
        "修改后本机构 {date} 已终审的评审（{checklist}）的结果将会改变（达标等级：{before} → {after}）；"
        "已终审的结果不能更改，未作修改",
    ),
    "conflict.invalid_resolution": Entry(422, "冲突的处理方式无效"),
    "conflict.grade_required": Entry(422, "合并备注时需要选择评分"),
    "sample.invalid_size": Entry(422, "请填写抽样数量（至少 1 个）或抽样比例（1%～100%），二者选一"),
    "sample.invalid_period": Entry(422, "抽样期间的结束日期早于开始日期"),
    "sample.empty_population": Entry(409, "此期间没有尚未抽取过的县级审核通过评审可供抽样"),
    # --- sync receipts (server/services/sync.py) ---
    "sync.change_id_reused": Entry(409, "此修改编号已用于其他内容"),
    "sync.not_assigned": Entry(403, "您未被分派到此评审"),
    # --- evidence photos and storage ---
    "evidence.upload_id_reused": Entry(409, "该上传编号已用于另一张照片"),
    "evidence.not_assigned": Entry(403, "只有本次检查的检查员可以上传照片"),
    "evidence.frozen": Entry(409, "检查已提交，照片不能再更改"),
    "evidence.unknown_item": Entry(422, "本版评审标准中没有条款“{item_id}”"),
    "evidence.too_large": Entry(413, "照片不能超过 {limit}"),
    "evidence.invalid_digest": Entry(422, "SHA-256 摘要应为 64 位十六进制字符"),
    "evidence.digest_mismatch": Entry(422, "文件内容与随附的 SHA-256 摘要不一致"),
    "evidence.not_an_image": Entry(415, "文件不是完整的 JPEG 或 PNG 图片"),
    "evidence.unsupported_type": Entry(415, "只接受 JPEG 和 PNG 格式的照片"),
    "evidence.too_many_pixels": Entry(413, "照片像素过多（上限 {max_pixels} 像素）"),
    "evidence.missing": Entry(410, "照片在存储中缺失", also=(409,)),
    "storage.unavailable": Entry(503, "照片存储暂时不可用，请稍后重试", retryable=True),
    "storage.no_object_lock": Entry(409, "存储桶未启用对象锁定；请新建存储桶（对象锁定只能在创建时设置）"),
    "storage.listing_out_of_order": Entry(500, "存储列出的对象键未按字节顺序排列，无法核对孤立对象"),
    # --- reports ---
    "report.missing": Entry(409, "已存档的报告缺失，请联系管理员"),
    # --- imports (CSV/XLSX) and the demo seed ---
    "import.unreadable": Entry(422, "无法读取文件：{reason}"),
    "import.unsupported_format": Entry(
        415, "不支持的文件类型“{suffix}”：请使用 CSV（UTF-8）或 XLSX 文件{hint}"
    ),
    "import.empty": Entry(422, "文件中只有表头，没有数据行"),
    "import.invalid": Entry(422, "导入文件有 {count} 处问题，未导入任何数据"),
    "import.invalid_row": Entry(422, "此行数据有误"),
    "import.unknown_kind": Entry(400, "未知的导入类型：{kind}"),
    "import.too_many_rows": Entry(422, "文件有 {rows} 行，在浏览器中一次最多导入 {max} 行，请分批导入"),
    "import.changed": Entry(409, "文件与预览时的不同，请重新预览后再导入"),
    "import.already_done": Entry(409, "此文件已于 {at} 导入，未重复导入"),
    "import.conflict": Entry(
        409, "导入时与同时写入的数据冲突（如代码或用户名刚被占用），未导入任何数据，请重试", retryable=True
    ),
    "seed.checklists_missing": Entry(
        409, "评审标准 {checklist_id} 第 {version} 版尚未加载：请先运行 {command}"
    ),
    "seed.user_exists": Entry(409, "演示用户名已被占用：{usernames}；请使用空数据库"),
    # --- payouts ---
    "payouts.rules_conflict": Entry(
        409, "导入时与同时写入的规则冲突，未导入任何规则，请重试", retryable=True
    ),
    "payouts.no_checklists": Entry(409, "尚未加载评审标准：请先运行 {command}"),
    "payouts.region_not_found": Entry(404, "地区“{region}”不存在"),
    "payouts.sheet_changed": Entry(
        409, "分配表生成后拨付记录或审批情况已变化，未登记任何款项，请重新生成分配表后再登记"
    ),
    "payouts.record_conflict": Entry(409, "登记时与同时进行的登记冲突，未登记任何款项，请重新生成后再登记"),
    "payouts.invalid_period": Entry(
        422, "无效的期间“{text}”：应为年份（2026）、季度（2026Q4）或月份（2026-11，月份为 01～12）"
    ),
    "payouts.use_job": Entry(
        409, "该地区的分配表超过 {limit} 行，不能在页面请求中直接生成，请使用“生成分配表”后台任务"
    ),
    # --- exports ---
    "exports.use_job": Entry(
        409, "该地区该期间的评审结果超过 {limit} 条，不能在页面请求中直接导出，请改由后台任务导出"
    ),
    # --- background jobs ---
    "jobs.not_finished": Entry(409, "任务尚未完成，请稍后再下载", retryable=True),
    "jobs.no_result": Entry(409, "任务未成功完成，没有可下载的结果"),
    "jobs.timeout": Entry(500, "任务超过时间上限（{limit}）未完成，已终止"),
    "jobs.memory": Entry(500, "任务超过内存上限（{megabytes} MB），已终止"),
    "jobs.crashed": Entry(500, "任务执行进程多次意外退出（共 {attempts} 次），已停止重试"),
    "jobs.failed": Entry(500, "任务执行出错（共尝试 {attempts} 次），请联系系统管理员"),
    "jobs.unavailable": Entry(503, "后台任务服务暂不可用，请稍后重试", retryable=True),
    "jobs.no_region": Entry(409, "尚未导入地区，无法登记全系统的校验任务：请先导入地区"),
    # rectification (整改) tasks
    "rectification.not_facility": Entry(403, "只有本机构的账号可以上传整改照片和提交整改"),
    "rectification.not_editable": Entry(409, "此整改任务{status_label}，不能再修改或提交"),
    "rectification.note_required": Entry(422, "请填写整改说明（至少 {min_length} 个字）"),
    "rectification.photo_required": Entry(422, "请至少上传 {count} 张整改后的照片"),
    "rectification.too_many_photos": Entry(409, "每项整改最多上传 {count} 张照片"),
    "rectification.photos_missing": Entry(409, "有 {count} 张照片尚未上传到服务器：请先同步照片，再提交整改"),
    "rectification.change_id_reused": Entry(409, "该提交编号已用于另一项修改，请刷新后重新提交"),
    "rectification.unknown_decision": Entry(422, "核验结论只能是“验收通过”或“退回”"),
    "rectification.not_submitted": Entry(409, "此整改任务{status_label}：机构提交整改后才能核验"),
    "rectification.reason_required": Entry(422, "退回须写明原因（至少 {min_length} 个字）"),
}

UNKNOWN = Entry(400, "请求无法处理")


class _Blank(dict[str, Any]):
    """Parameters a template needs but the raise site did not give read as nothing."""

    def __missing__(self, key: str) -> str:
        return ""


def entry(code: str) -> Entry:
    """The catalog's entry for `code`; an unknown code reads as a generic refusal."""
    return CATALOG.get(code, UNKNOWN)


def status(code: str) -> int:
    return entry(code).status


def as_data() -> dict[str, Any]:
    """The catalog as plain data, for the OpenAPI document and the app: code -> status, message
    (the template, its {fields} unfilled) and whether a client may send the request again."""
    return {
        code: {"status": e.status, "message": e.message, "retryable": e.retryable}
        for code, e in sorted(CATALOG.items())
    }


def message(code: str, **params: Any) -> str:
    """The Chinese message of `code`, its {fields} filled from `params`."""
    return entry(code).message.format_map(_Blank(params))

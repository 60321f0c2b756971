// What the 审计日志 screen shows of an entry. Pure: the page (pages/AuditPage.vue) calls the API.
import type { AuditLogEntryOut } from '../api/types'
import { AUDIT_ACTION_LABELS, AUDIT_TARGET_LABELS, SYSTEM_ACTOR_LABELS } from '../domain/labels'

/** The families of actions to filter by: "users." for every users.* (their first label's family). */
export const ACTION_FAMILIES: readonly { code: string; label: string }[] = [
  { code: 'auth.', label: '登录与密码' },
  { code: 'users.', label: '账号管理' },
  { code: 'import.', label: '批量导入' },
  { code: 'facility.', label: '机构信息' },
  { code: 'plan.', label: '评审计划' },
  { code: 'inspection.', label: '评审流程' },
  { code: 'answer.', label: '审核改分' },
  { code: 'evidence.', label: '照片' },
  { code: 'sample.', label: '复核抽样' },
  { code: 'payout.', label: '奖补资金' },
  { code: 'job.', label: '后台任务' },
]

export function actionLabel(action: string): string {
  return AUDIT_ACTION_LABELS[action] ?? '其他操作'
}

/** The actor as people know them: the name, with the username. */
export function actorText(entry: AuditLogEntryOut): string {
  if (entry.actor_name) return `${entry.actor_name}（${entry.actor ?? ''}）`
  return SYSTEM_ACTOR_LABELS[entry.actor ?? ''] ?? entry.actor ?? '系统'
}

/** What the entry is about: its name when the server knows one ("陈志强（tx_inspector2）",
 * "机构.csv"), else the kind of object ("登录会话"); never a bare id. */
export function targetText(entry: AuditLogEntryOut): string {
  if (entry.target_name) return entry.target_name
  if (!entry.target_type) return ''
  return AUDIT_TARGET_LABELS[entry.target_type] ?? '其他对象'
}

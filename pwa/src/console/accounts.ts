// What the 用户管理 screen shows of an account, and how it reads the server's refusals. Pure: the
// page (pages/UsersPage.vue) calls the API and keeps the state.
import type { AccountOut, ErrorProblem, Role } from '../api/types'
import { ROLE_LABELS, type TagType } from '../domain/labels'
import { formatTime } from '../domain/time'

export function roleLabel(role: string): string {
  return ROLE_LABELS[role] ?? role
}

/** The roles the user may give, as choices (the server's `grantable`, in its order). */
export function roleOptions(grantable: readonly Role[]): { value: Role; label: string }[] {
  return grantable.map((role) => ({ value: role, label: roleLabel(role) }))
}

/** Where the account sits: its facility for facility staff, else its region. */
export function placeText(account: AccountOut): string {
  return account.facility_name ? `${account.facility_name}（${account.region_name}）` : account.region_name
}

export interface StateTag {
  text: string
  type: TagType
  testid: string
}

/** The account's standing at a glance: disabled, a one-time password pending, logins blocked. */
export function stateTags(account: AccountOut, now: number = Date.now()): StateTag[] {
  const tags: StateTag[] = [
    account.active ? { text: '启用', type: 'success', testid: 'active' } : { text: '已停用', type: 'danger', testid: 'disabled' },
  ]
  if (account.active && account.must_change_password) {
    tags.push({ text: '待修改初始密码', type: 'warning', testid: 'one-time' })
  }
  if (account.blocked_until !== null && Date.parse(account.blocked_until) > now) {
    tags.push({ text: `登录受限至 ${formatTime(account.blocked_until).slice(11)}`, type: 'warning', testid: 'blocked' })
  }
  return tags
}

export function lastLoginText(account: AccountOut): string {
  return account.last_login_at ? formatTime(account.last_login_at) : '从未登录'
}

/** The server's field problems by field name ("/region_code" -> region_code), first one each. */
export function problemsByField(problems: readonly ErrorProblem[]): Record<string, string> {
  const found: Record<string, string> = {}
  for (const p of problems) {
    const field = p.pointer.replace(/^\//, '').split('/')[0] ?? ''
    if (found[field] === undefined) found[field] = p.message
  }
  return found
}

import { describe, expect, it } from 'vitest'
import type { AuditLogEntryOut } from '../api/types'
import { ACTION_FAMILIES, actionLabel, actorText, targetText } from './audit'
import { AUDIT_ACTION_LABELS } from '../domain/labels'

function entry(overrides: Partial<AuditLogEntryOut> = {}): AuditLogEntryOut {
  return {
    seq: 9,
    at: '2026-11-29T02:00:00+00:00',
    actor: 'tx_county',
    actor_name: '张卫东',
    action: 'users.disabled',
    target_type: 'user',
    target_id: '12',
    target_name: null,
    region_code: '410222',
    region_name: '通许县',
    ip: '127.0.0.1',
    reason: '调离本县',
    before: null,
    after: null,
    ...overrides,
  }
}

describe('audit', () => {
  it('labels actions with the server labels, and never shows a code', () => {
    expect(actionLabel('users.disabled')).toBe('停用账号')
    expect(actionLabel('something.new')).toBe('其他操作')
    for (const family of ACTION_FAMILIES) {
      expect(Object.keys(AUDIT_ACTION_LABELS).some((a) => a.startsWith(family.code))).toBe(true)
    }
  })

  it('names people and objects', () => {
    expect(actorText(entry())).toBe('张卫东（tx_county）')
    expect(actorText(entry({ actor: 'cli', actor_name: null }))).toBe('系统命令')
    expect(targetText(entry())).toBe('账号')
    expect(targetText(entry({ target_name: '陈志强（tx_inspector2）' }))).toBe('陈志强（tx_inspector2）')
    expect(targetText(entry({ target_type: null }))).toBe('')
  })
})

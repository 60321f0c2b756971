import { describe, expect, it } from 'vitest'
import type { AccountOut } from '../api/types'
import { lastLoginText, placeText, problemsByField, roleLabel, roleOptions, stateTags } from './accounts'

function account(overrides: Partial<AccountOut> = {}): AccountOut {
  return {
    id: 7,
    username: 'zhang.wei',
    display_name: '张伟',
    role: 'inspector',
    region_code: '410222',
    region_name: '通许县',
    facility_id: null,
    facility_name: null,
    active: true,
    must_change_password: false,
    blocked_until: null,
    last_login_at: null,
    created_at: '2026-11-20T02:00:00+00:00',
    manageable: true,
    ...overrides,
  }
}

describe('accounts', () => {
  it('names roles and offers the grantable ones in the server order', () => {
    expect(roleLabel('finance')).toBe('财务人员')
    expect(roleOptions(['county_reviewer', 'inspector'])).toEqual([
      { value: 'county_reviewer', label: '县级审核员' },
      { value: 'inspector', label: '检查员' },
    ])
  })

  it('places facility staff at their facility', () => {
    expect(placeText(account())).toBe('通许县')
    expect(placeText(account({ facility_id: 3, facility_name: '竖岗镇中心卫生院' }))).toBe('竖岗镇中心卫生院（通许县）')
  })

  it('tags the standing in China time', () => {
    const now = Date.parse('2026-11-20T02:00:00Z')
    expect(stateTags(account(), now).map((t) => t.text)).toEqual(['启用'])
    expect(stateTags(account({ active: false, must_change_password: true }), now).map((t) => t.text)).toEqual(['已停用'])
    const blocked = stateTags(account({ must_change_password: true, blocked_until: '2026-11-20T02:30:00Z' }), now)
    expect(blocked.map((t) => t.text)).toEqual(['启用', '待修改初始密码', '登录受限至 10:30'])
    expect(stateTags(account({ blocked_until: '2026-11-20T01:00:00Z' }), now).map((t) => t.testid)).toEqual(['active'])
  })

  it('shows the last login in China time, or never', () => {
    expect(lastLoginText(account())).toBe('从未登录')
    expect(lastLoginText(account({ last_login_at: '2026-11-19T16:05:00Z' }))).toBe('2026-11-20 00:05')
  })

  it('reads field problems by field, the first of each', () => {
    const problems = [
      { code: 'users.invalid', pointer: '/region_code', message: '地区 410225 不存在或不在您的辖区内' },
      { code: 'users.invalid', pointer: '/region_code', message: '第二条' },
      { code: 'request.invalid', pointer: '/username', message: '格式无效' },
    ]
    expect(problemsByField(problems)).toEqual({ region_code: '地区 410225 不存在或不在您的辖区内', username: '格式无效' })
  })
})

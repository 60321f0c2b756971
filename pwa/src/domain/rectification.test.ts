import { describe, expect, it } from 'vitest'
import { daysLeft, deadlineText, fixEditable, fixOverdue, fixStatusLabel, validDays } from './rectification'

describe('rectification rules on the device', () => {
  it('counts the days to the deadline in China dates', () => {
    expect(daysLeft('2026-12-30', '2026-11-30')).toBe(30)
    expect(deadlineText('2026-12-01', '2026-11-30')).toBe('还剩 1 天')
    expect(deadlineText('2026-11-30', '2026-11-30')).toBe('今天截止')
    expect(deadlineText('2026-11-28', '2026-11-30')).toBe('已逾期 2 天')
  })

  it('is overdue only while it is still the facility to fix', () => {
    expect(fixOverdue('open', '2026-11-29', '2026-11-30')).toBe(true)
    expect(fixOverdue('returned', '2026-11-29', '2026-11-30')).toBe(true)
    expect(fixOverdue('submitted', '2026-11-29', '2026-11-30')).toBe(false)
    expect(fixOverdue('open', '2026-11-30', '2026-11-30')).toBe(false)
  })

  it('takes the days a plan may set', () => {
    expect(validDays('30')).toBe(true)
    expect(validDays('365')).toBe(true)
    expect(validDays('0')).toBe(false)
    expect(validDays('366')).toBe(false)
    expect(validDays('3.5')).toBe(false)
  })

  it('uses the server labels and editable states', () => {
    expect(fixStatusLabel('open')).toBe('待整改')
    expect(fixStatusLabel('accepted')).toBe('已验收')
    expect(fixEditable('returned')).toBe(true)
    expect(fixEditable('submitted')).toBe(false)
  })
})

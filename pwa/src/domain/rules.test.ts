// The server's workflow as the app reads it (generated/workflow.json): who inspects, who reviews.
import { describe, expect, it } from 'vitest'
import { INSPECTING_ROLES, isEditable, REASON_MIN_LENGTH, reasonOk, REVIEWING_ROLES, TRANSITIONS } from './rules'

describe('the roles, from the server’s transitions', () => {
  it('inspectors and self-assessors fill in checklists; reviewers and the admin use the review desk', () => {
    expect([...INSPECTING_ROLES].sort()).toEqual(['inspector', 'self_assessor'])
    expect([...REVIEWING_ROLES].sort()).toEqual(['admin', 'city_reviewer', 'county_reviewer'])
  })

  it('every role that takes a transition is on one side only', () => {
    const acting = new Set(TRANSITIONS.filter((t) => !t.planning).flatMap((t) => t.roles))
    for (const role of acting) expect(INSPECTING_ROLES.includes(role) !== REVIEWING_ROLES.includes(role)).toBe(true)
  })

  it('the submit starts from an editable state, the reviewers’ actions from submitted ones', () => {
    const submit = TRANSITIONS.find((t) => t.action === 'submit')
    expect(submit?.from.every((s) => isEditable(s))).toBe(true)
    expect(TRANSITIONS.filter((t) => t.reviewLevel !== null).every((t) => t.from.every((s) => !isEditable(s)))).toBe(true)
  })
})

describe('reasonOk, with the server’s minimum', () => {
  it('is the minimum the server exports (two characters)', () => {
    expect(REASON_MIN_LENGTH).toBe(2)
  })

  it('counts characters once trimmed, as the server does', () => {
    expect(reasonOk('')).toBe(false)
    expect(reasonOk('   ')).toBe(false)
    expect(reasonOk(' 好 ')).toBe(false)
    expect(reasonOk('\u3000好\n')).toBe(false)
    expect(reasonOk('好的')).toBe(true)
    expect(reasonOk(' 补拍 ')).toBe(true)
  })

  it('counts a character outside the basic plane once, as Python does', () => {
    expect('𠀀'.length).toBe(2)
    expect(reasonOk('𠀀')).toBe(false)
    expect(reasonOk('𠀀𠀀')).toBe(true)
  })
})

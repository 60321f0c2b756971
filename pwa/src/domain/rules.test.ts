// The server's workflow as the app reads it (generated/workflow.json): who inspects, who reviews.
import { describe, expect, it } from 'vitest'
import { INSPECTING_ROLES, isEditable, REVIEWING_ROLES, TRANSITIONS } from './rules'

describe('the roles, from the server’s transitions', () => {
  it('inspectors and self-assessors fill in checklists; reviewers and the admin use the review desk', () => {
    expect([...INSPECTING_ROLES].sort()).toEqual(['inspector', 'self_assessor'])
    expect([...REVIEWING_ROLES].sort()).toEqual(['admin', 'city_reviewer', 'county_reviewer'])
  })

  it('every role that takes a transition is on one side only', () => {
    const acting = new Set(TRANSITIONS.flatMap((t) => t.roles))
    for (const role of acting) expect(INSPECTING_ROLES.includes(role) !== REVIEWING_ROLES.includes(role)).toBe(true)
  })

  it('the submit starts from an editable state, the reviewers’ actions from submitted ones', () => {
    const submit = TRANSITIONS.find((t) => t.action === 'submit')
    expect(submit?.from.every((s) => isEditable(s))).toBe(true)
    expect(TRANSITIONS.filter((t) => t.reviewLevel !== null).every((t) => t.from.every((s) => !isEditable(s)))).toBe(true)
  })
})

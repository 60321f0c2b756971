// The server's catalog as the app reads it (generated/errors.json): messages filled as the server fills them.
import { describe, expect, it } from 'vitest'
import { catalogEntry, catalogMessage } from './errors'

describe('catalogMessage', () => {
  it('is the catalog’s message, its fields filled', () => {
    expect(catalogMessage('auth.session_expired')).toBe(catalogEntry('auth.session_expired')?.message)
    expect(catalogMessage('review.reason_required', { min_length: 2 })).toBe('修改评分需要填写理由（至少 2 个字）')
  })

  it('leaves a field not given empty, as the server does', () => {
    expect(catalogMessage('review.reason_required')).toBe('修改评分需要填写理由（至少  个字）')
  })
})

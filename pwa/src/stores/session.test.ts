import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { UserOut } from '../api/types'
import { getDb, wipeDb } from '../db'
import { fakeServer, user } from '../review/testing'
import { useSessionStore } from './session'

beforeEach(async () => {
  await wipeDb()
  setActivePinia(createPinia())
})

afterEach(async () => {
  await wipeDb()
})

describe('session', () => {
  it('asks the server once for what a session kept by an older app lacks (what the user may grant)', async () => {
    const fresh: UserOut = { ...user('admin'), grantable: ['inspector', 'finance'] }
    const kept: Partial<UserOut> = { ...user('admin') }
    delete kept.grantable
    await getDb().meta.put({ key: 'session', value: { token: 't', expiresAt: '2026-12-01T00:00:00Z', user: kept } })
    const server = fakeServer({ 'GET /api/auth/me': { json: fresh } })
    const session = useSessionStore()
    await session.restore()
    for (let i = 0; i < 5; i++) await flushPromises()
    expect(server.calls('GET /api/auth/me')).toHaveLength(1)
    expect(session.user?.grantable).toEqual(['inspector', 'finance'])
  })
})

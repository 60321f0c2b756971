import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DabiaoDatabase, DB_NAME, getDb } from './index'

let db: DabiaoDatabase
let counter = 0

beforeEach(() => {
  // A fresh database per test: no state leaks between tests.
  counter += 1
  db = new DabiaoDatabase(`dabiao-test-${counter}`)
})

afterEach(async () => {
  await db.delete()
})

describe('DabiaoDatabase', () => {
  it('is named dabiao in the app', () => {
    expect(getDb().name).toBe(DB_NAME)
    expect(DB_NAME).toBe('dabiao')
  })

  it('stores and reads back an outbox row with an assigned seq', async () => {
    const seq = await db.outbox.add({
      changeId: 'c-1',
      createdAt: '2026-11-23T03:00:00.000Z',
      kind: 'item.graded',
      payload: { itemId: '1.1.1', grade: 'A' },
    })

    expect(seq).toBe(1)
    const row = await db.outbox.where('changeId').equals('c-1').first()
    expect(row).toEqual({
      seq: 1,
      changeId: 'c-1',
      createdAt: '2026-11-23T03:00:00.000Z',
      kind: 'item.graded',
      payload: { itemId: '1.1.1', grade: 'A' },
    })
  })

  it('keeps outbox rows in the order they were written', async () => {
    await db.outbox.bulkAdd([
      { changeId: 'b', createdAt: '2026-11-23T03:00:02.000Z', kind: 'k', payload: null },
      { changeId: 'a', createdAt: '2026-11-23T03:00:01.000Z', kind: 'k', payload: null },
    ])

    const ids = (await db.outbox.orderBy('seq').toArray()).map((r) => r.changeId)
    expect(ids).toEqual(['b', 'a'])
  })

  it('rejects a second outbox row with the same changeId', async () => {
    // Fresh objects: Dexie writes the assigned seq back into an added object, and reusing it would
    // collide on the primary key instead of on changeId.
    const change = (payload: number) => ({
      changeId: 'dup',
      createdAt: '2026-11-23T03:00:00.000Z',
      kind: 'k',
      payload,
    })
    await db.outbox.add(change(1))

    await expect(db.outbox.add(change(2))).rejects.toMatchObject({ name: 'ConstraintError' })
    expect(await db.outbox.count()).toBe(1)
    expect((await db.outbox.get(1))?.payload).toBe(1)
  })

  it('stores meta values by key', async () => {
    await db.meta.put({ key: 'deviceId', value: 'dev-123' })
    await db.meta.put({ key: 'deviceId', value: 'dev-456' })

    expect(await db.meta.get('deviceId')).toEqual({ key: 'deviceId', value: 'dev-456' })
    expect(await db.meta.count()).toBe(1)
  })
})

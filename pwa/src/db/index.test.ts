import 'fake-indexeddb/auto'
import Dexie from 'dexie'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DabiaoDatabase, DB_NAME, getDb, LEGACY_UNSAVED_PREFIX, type OutboxRow } from './index'

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

function change(changeId: string, overrides: Partial<OutboxRow> = {}): Omit<OutboxRow, 'seq'> {
  return {
    changeId,
    createdAt: '2026-11-23T03:00:00.000Z',
    kind: 'answer',
    inspectionId: 7,
    itemId: 'QS-1.1.01',
    state: 'pending',
    attempts: 0,
    sentBase: null,
    error: null,
    payload: { grade: 'A', note: null, documentDate: null, validUntil: null },
    ...overrides,
  }
}

describe('DabiaoDatabase', () => {
  it('is named dabiao in the app', () => {
    expect(getDb().name).toBe(DB_NAME)
    expect(DB_NAME).toBe('dabiao')
  })

  it('stores and reads back an outbox row with an assigned seq', async () => {
    const seq = await db.outbox.add(change('c-1'))

    expect(seq).toBe(1)
    const row = await db.outbox.where('changeId').equals('c-1').first()
    expect(row).toEqual({ seq: 1, ...change('c-1') })
  })

  it('keeps outbox rows in the order they were written', async () => {
    await db.outbox.bulkAdd([change('b', { createdAt: '2026-11-23T03:00:02.000Z' }), change('a')] as OutboxRow[])

    const ids = (await db.outbox.orderBy('seq').toArray()).map((r) => r.changeId)
    expect(ids).toEqual(['b', 'a'])
  })

  it('rejects a second outbox row with the same changeId', async () => {
    await db.outbox.add(change('dup', { attempts: 1 }))

    await expect(db.outbox.add(change('dup', { attempts: 2 }) as OutboxRow)).rejects.toMatchObject({
      name: 'ConstraintError',
    })
    expect(await db.outbox.count()).toBe(1)
    expect((await db.outbox.get(1))?.attempts).toBe(1)
  })

  it('finds queued changes of one item through the compound index', async () => {
    await db.outbox.bulkAdd([
      change('x1'),
      change('x2', { itemId: 'QS-1.1.02' }),
      change('x3', { inspectionId: 8 }),
    ] as OutboxRow[])

    const rows = await db.outbox.where('[inspectionId+itemId]').equals([7, 'QS-1.1.01']).toArray()
    expect(rows.map((r) => r.changeId)).toEqual(['x1'])
  })

  it('stores meta values by key', async () => {
    await db.meta.put({ key: 'deviceId', value: 'dev-123' })
    await db.meta.put({ key: 'deviceId', value: 'dev-456' })

    expect(await db.meta.get('deviceId')).toEqual({ key: 'deviceId', value: 'dev-456' })
    expect(await db.meta.count()).toBe(1)
  })

  it('upgrades a version 1 database and keeps what it held', async () => {
    const name = `dabiao-upgrade-${counter}`
    const old = new Dexie(name)
    old.version(1).stores({ meta: 'key', outbox: '++seq, &changeId, createdAt' })
    await old.table('meta').put({ key: 'deviceId', value: 'dev-old' })
    old.close()

    const upgraded = new DabiaoDatabase(name)
    try {
      expect(await upgraded.meta.get('deviceId')).toEqual({ key: 'deviceId', value: 'dev-old' })
      expect(upgraded.verno).toBe(4)
      expect(await upgraded.answers.count()).toBe(0)
      expect(await upgraded.fixes.count()).toBe(0) // version 4: rectification tasks
      expect(await upgraded.fixOutbox.count()).toBe(0)
    } finally {
      await upgraded.delete()
    }
  })

  it('keeps a note typed before any grade when a version 2 database is upgraded', async () => {
    const name = `dabiao-upgrade-notes-${counter}`
    const old = new Dexie(name)
    old.version(1).stores({ meta: 'key', outbox: '++seq, &changeId, createdAt' })
    old.version(2).stores({
      outbox: '++seq, &changeId, createdAt, kind, state, inspectionId, [inspectionId+itemId]',
      answers: '[inspectionId+itemId], inspectionId',
      assignments: 'inspectionId',
      checklists: 'key',
      photos: 'uploadId, inspectionId, [inspectionId+itemId], state',
    })
    const note = { note: '药品效期检查：发现两盒过期药品', documentDate: '', validUntil: '' }
    await old.table('meta').bulkPut([
      { key: `${LEGACY_UNSAVED_PREFIX}7:QS-1.1.01`, value: note },
      { key: 'deviceId', value: 'dev-old' },
    ])
    old.close()

    const upgraded = new DabiaoDatabase(name)
    try {
      expect(await upgraded.meta.get('unsaved:7:QS-1.1.01')).toEqual({ key: 'unsaved:7:QS-1.1.01', value: note })
      expect(await upgraded.meta.get(`${LEGACY_UNSAVED_PREFIX}7:QS-1.1.01`)).toBeUndefined()
      expect(await upgraded.meta.get('deviceId')).toEqual({ key: 'deviceId', value: 'dev-old' })
    } finally {
      await upgraded.delete()
    }
  })
})

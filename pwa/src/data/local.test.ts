import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { BootstrapOut, ChecklistDefinition } from '../api/types'
import { DabiaoDatabase } from '../db'
import {
  addPhoto,
  applyResolution,
  discardChange,
  newId,
  photoCounts,
  recordAnswer,
  removePhoto,
  saveBootstrap,
  unsentCount,
} from './local'

let db: DabiaoDatabase
let counter = 0

beforeEach(() => {
  counter += 1
  db = new DabiaoDatabase(`local-test-${counter}`)
})

afterEach(async () => {
  await db.delete()
})

const A = (grade: string, note: string | null = null) => ({ grade, note, documentDate: null, validUntil: null })

function bootstrap(answers: Record<string, { grade: string; revision: number }>, ids: number[] = [1]): BootstrapOut {
  return {
    server_time: '2026-11-23T00:00:00Z',
    rectifications: [],
    user: { id: 3, username: 'tx_inspector1', display_name: '检查员', role: 'inspector', region_code: '410222', facility_id: null, must_change_password: false, grantable: [], may: ['sync.push'] },
    assignments: ids.map((id): BootstrapOut['assignments'][number] => ({
      inspection: { id, facility_id: 9, status: 'draft', inspection_date: '2026-11-23' } as BootstrapOut['assignments'][0]['inspection'],
      checklist_key: 'qs@1',
      facts: { has_beds: true },
      answers: id === 1 ? answers : {},
      photos: id === 1 ? { I1: 2 } : {},
      last_change: null,
      conflicts: [],
    })),
    facilities: [{ id: 9, name: '城关镇卫生院' } as BootstrapOut['facilities'][0]],
    checklists: { 'qs@1': { id: 'qs', version: 1 } as ChecklistDefinition },
  }
}

describe('recordAnswer', () => {
  it('writes the answer and its outbox row together', async () => {
    expect(await recordAnswer(db, 1, 'I1', A('A', '  现场查看 '), new Date('2026-11-23T02:00:00Z'))).toBe(true)

    expect(await db.answers.get([1, 'I1'])).toMatchObject({ grade: 'A', note: '现场查看', serverRevision: 0 })
    const row = (await db.outbox.toArray())[0]!
    expect(row).toMatchObject({
      kind: 'answer',
      inspectionId: 1,
      itemId: 'I1',
      state: 'pending',
      attempts: 0,
      createdAt: '2026-11-23T02:00:00.000Z',
      payload: { grade: 'A', note: '现场查看', documentDate: null, validUntil: null },
    })
    expect(row.changeId).toMatch(/^[0-9a-f]{32}$/)
  })

  it('replaces a change that was never sent, but keeps one that was', async () => {
    await recordAnswer(db, 1, 'I1', A('A'))
    await recordAnswer(db, 1, 'I1', A('B'))
    expect((await db.outbox.toArray()).map((r) => r.payload?.grade)).toEqual(['B'])

    await db.outbox.toCollection().modify({ attempts: 1, sentBase: 0 }) // in flight
    await recordAnswer(db, 1, 'I1', A('C'))
    expect((await db.outbox.orderBy('seq').toArray()).map((r) => r.payload?.grade)).toEqual(['B', 'C'])
  })

  it('does nothing when the answer did not change', async () => {
    await recordAnswer(db, 1, 'I1', A('A', 'x'))
    expect(await recordAnswer(db, 1, 'I1', A('A', 'x '))).toBe(false)
    expect(await db.outbox.count()).toBe(1)
  })

  it('is all or nothing: a failing write leaves neither the answer nor the outbox row', async () => {
    await db.outbox.add({ changeId: 'taken', kind: 'answer' } as never)
    // Force a changeId collision inside the transaction.
    const random = vi.spyOn(crypto, 'getRandomValues').mockImplementation((array) => array)
    try {
      await db.outbox.add({ changeId: '00000000000000000000000000000000', kind: 'answer' } as never)
      await expect(recordAnswer(db, 2, 'I9', A('A'))).rejects.toMatchObject({ name: 'ConstraintError' })
    } finally {
      random.mockRestore()
    }
    expect(await db.answers.get([2, 'I9'])).toBeUndefined()
    expect(await db.outbox.where('inspectionId').equals(2).count()).toBe(0)
  })
})

describe('photos', () => {
  const photo = {
    uploadId: 'up-1234567',
    inspectionId: 1,
    itemId: 'I1',
    blob: new Blob(['x']),
    sha256: 'b'.repeat(64),
    width: 10,
    height: 10,
    size: 1,
    capturedAt: '2026-11-23T10:00:00+08:00',
    latitude: null,
    longitude: null,
    createdAt: '2026-11-23T02:00:00.000Z',
    state: 'pending' as const,
    serverId: null,
    flags: [],
  }

  it('queues a photo with its row and removes both while it is not uploaded', async () => {
    await addPhoto(db, photo)
    expect(await unsentCount(db)).toBe(1)
    expect(await removePhoto(db, photo.uploadId)).toBe(true)
    expect(await db.photos.count()).toBe(0)
    expect(await unsentCount(db)).toBe(0)
  })

  it('never removes an uploaded photo', async () => {
    await db.photos.add({ ...photo, state: 'uploaded', serverId: 4 })
    expect(await removePhoto(db, photo.uploadId)).toBe(false)
    expect(await db.photos.count()).toBe(1)
  })

  it('discarding a refused photo drops the photo too', async () => {
    await addPhoto(db, photo)
    const row = (await db.outbox.toArray())[0]!
    await discardChange(db, row.seq)
    expect(await db.photos.count()).toBe(0)
  })
})

describe('saveBootstrap', () => {
  it('stores assignments, checklists and facilities for offline work', async () => {
    const result = await saveBootstrap(db, bootstrap({ I1: { grade: 'A', revision: 2 } }))
    expect(result).toEqual({ assignments: 1, removed: 0, keptLocal: 0 })
    expect(await db.assignments.get(1)).toMatchObject({ checklistKey: 'qs@1', facility: { name: '城关镇卫生院' } })
    expect(await db.checklists.get('qs@1')).toBeTruthy()
    expect(await db.answers.get([1, 'I1'])).toMatchObject({ grade: 'A', serverRevision: 2 })
  })

  it('keeps an answer with an unsent change, and its base revision, over the server value', async () => {
    await saveBootstrap(db, bootstrap({ I1: { grade: 'A', revision: 2 } }))
    await recordAnswer(db, 1, 'I1', A('C'))
    const result = await saveBootstrap(db, bootstrap({ I1: { grade: 'B', revision: 3 } }))
    expect(result.keptLocal).toBe(1)
    expect(await db.answers.get([1, 'I1'])).toMatchObject({ grade: 'C', serverRevision: 2 })
  })

  it('removes an assignment no longer listed, unless something of it is unsent', async () => {
    await saveBootstrap(db, bootstrap({ I1: { grade: 'A', revision: 1 } }, [1, 2]))
    await recordAnswer(db, 2, 'I5', A('A'))
    const result = await saveBootstrap(db, bootstrap({}, []))
    expect(result.removed).toBe(1)
    expect(await db.assignments.get(1)).toBeUndefined()
    expect(await db.answers.where('inspectionId').equals(1).count()).toBe(0)
    expect(await db.assignments.get(2)).toBeTruthy()
  })
})

describe('newId', () => {
  it('is unique and fits the server id rules', () => {
    const ids = new Set(Array.from({ length: 1000 }, newId))
    expect(ids.size).toBe(1000)
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{8,64}$/)
  })
})

describe('photoCounts', () => {
  it('adds photos waiting on the device to those the server holds from any device', async () => {
    await saveBootstrap(db, bootstrap({})) // the server holds 2 photos of I1
    const base = {
      inspectionId: 1,
      blob: new Blob(['x']),
      sha256: 'c'.repeat(64),
      width: 1,
      height: 1,
      size: 1,
      capturedAt: '',
      latitude: null,
      longitude: null,
      createdAt: '',
      serverId: null,
      flags: [],
    }
    await db.photos.bulkAdd([
      { ...base, uploadId: 'u-up-0001', itemId: 'I1', state: 'uploaded' }, // already among the 2
      { ...base, uploadId: 'u-wait-001', itemId: 'I1', state: 'pending' },
      { ...base, uploadId: 'u-wait-002', itemId: 'I2', state: 'pending' },
    ])
    const counts = await photoCounts(db, 1)
    expect(Object.fromEntries(counts)).toEqual({ I1: 3, I2: 1 })
  })
})

describe('saveBootstrap after a discarded change', () => {
  it('drops a local answer the server never had once nothing of it waits', async () => {
    await saveBootstrap(db, bootstrap({}))
    await recordAnswer(db, 1, 'I7', A('A'))
    const row = (await db.outbox.toArray())[0]!
    await discardChange(db, row.seq)
    await saveBootstrap(db, bootstrap({}))
    expect(await db.answers.get([1, 'I7'])).toBeUndefined()
  })
})

describe('applyResolution', () => {
  const conflict = {
    id: 5,
    item_id: 'I1',
    change_id: 'c-5',
    base_revision: 0,
    current_revision: 1,
    proposed: { grade: 'C' },
    author_id: 7,
    device_id: null,
    device_time: null,
    received_at: '2026-11-23T00:00:00Z',
    resolved_at: null,
    resolution: null,
    resolution_reason: null,
    author_name: null,
    resolved_by: null,
    current: null,
  }

  async function withConflict(): Promise<void> {
    const payload = bootstrap({ I1: { grade: 'A', revision: 1 } })
    payload.assignments[0]!.conflicts = [conflict, { ...conflict, id: 6, item_id: 'I2' }]
    await saveBootstrap(db, payload)
  }

  it('takes the server answer and drops the conflict from the device list', async () => {
    await withConflict()
    await db.meta.put({ key: 'conflict:c-5', value: { inspectionId: 1, itemId: 'I1', currentRevision: 1, at: null } })
    await applyResolution(db, 1, {
      id: 5,
      item_id: 'I1',
      resolution: 'combined',
      revision: 2,
      answer: { grade: 'B', note: '甲\n乙', revision: 2 },
      replayed: false,
    })
    expect(await db.answers.get([1, 'I1'])).toMatchObject({ grade: 'B', note: '甲\n乙', serverRevision: 2 })
    expect((await db.assignments.get(1))?.conflicts?.map((c) => c.id)).toEqual([6])
    expect(await db.meta.get('conflict:c-5')).toBeUndefined()
  })

  it('keeps a newer unsent change and moves its base to the server revision', async () => {
    await withConflict()
    await recordAnswer(db, 1, 'I1', A('C', '新的'))
    await applyResolution(db, 1, {
      id: 5,
      item_id: 'I1',
      resolution: 'accepted',
      revision: 2,
      answer: { grade: 'C', revision: 2 },
      replayed: false,
    })
    expect(await db.answers.get([1, 'I1'])).toMatchObject({ grade: 'C', note: '新的', serverRevision: 2 })
  })

  it('a download replaces the notes the sync engine left on conflict receipts', async () => {
    await db.meta.put({ key: 'conflict:x', value: { inspectionId: 1, itemId: 'I1', currentRevision: 1, at: null } })
    await db.meta.put({ key: 'conflict:y', value: { inspectionId: 42, itemId: 'I1', currentRevision: 1, at: null } })
    await saveBootstrap(db, bootstrap({}))
    expect(await db.meta.get('conflict:x')).toBeUndefined()
    expect(await db.meta.get('conflict:y')).toBeDefined() // not on the list: kept
  })
})

import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RectificationOut } from '../api/types'
import { DabiaoDatabase, type FixPhotoRow } from '../db'
import { SyncEngine, type Clock } from '../sync/engine'
import { FakeServer } from '../sync/fakeServer'
import { addFixPhoto, fixView, removeFixPhoto, saveFixes, submitFix } from './fixes'
import { unsentCount } from './local'

let db: DabiaoDatabase
let server: FakeServer
let counter = 0

const clock: Clock = { now: () => 1_000_000, setTimeout: () => 0, clearTimeout: () => undefined }

function engine(): SyncEngine {
  return new SyncEngine(db, server, { deviceId: 'dev-test', clock, random: () => 1, pullEveryMs: null })
}

function task(id: number, overrides: Partial<RectificationOut> = {}): RectificationOut {
  return {
    id,
    inspection_id: 7,
    inspection_date: '2026-11-20',
    checklist_title: '优质服务基层行',
    tier_label: '基本标准',
    facility_id: 3,
    facility_name: '通许县城关镇卫生院',
    region_code: '410222',
    region_name: '通许县',
    item_id: `M-B0${id}`,
    item_number: `1.${id}`,
    item_text: '制度上墙',
    problem: '未达到基本要求',
    deadline: '2026-12-30',
    status: 'open',
    overdue: false,
    days_left: 30,
    revision: 1,
    note: null,
    submitted_at: null,
    decided_at: null,
    decision_reason: null,
    created_at: '2026-11-30T03:00:00Z',
    photos: [],
    events: [],
    may_submit: true,
    may_decide: false,
    ...overrides,
  }
}

function fixPhoto(uploadId: string, taskId: number): FixPhotoRow {
  return {
    uploadId,
    taskId,
    blob: new Blob(['jpeg-bytes'], { type: 'image/jpeg' }),
    sha256: 'b'.repeat(64),
    width: 1600,
    height: 1200,
    size: 10,
    capturedAt: '2026-11-30T10:00:00+08:00',
    latitude: null,
    longitude: null,
    createdAt: new Date().toISOString(),
    state: 'pending',
    serverId: null,
    flags: [],
  }
}

beforeEach(async () => {
  counter += 1
  db = new DabiaoDatabase(`fixes-test-${counter}`)
  server = new FakeServer()
  for (const t of [task(1), task(2)]) server.tasks.set(t.id, t)
  await saveFixes(db, [task(1), task(2)])
})

afterEach(async () => {
  await db.delete()
})

describe('rectification on the device', () => {
  it('fixes two tasks offline, then sends photos before the submissions that name them', async () => {
    await addFixPhoto(db, fixPhoto('fix-000001', 1))
    await addFixPhoto(db, fixPhoto('fix-000002', 2))
    expect((await submitFix(db, 1, '  已补齐制度  ')).photos).toEqual(['fix-000001'])
    await submitFix(db, 2, '已更换设备')
    expect(await unsentCount(db)).toBe(4)
    // offline: nothing is lost, everything waits
    server.fail('probe', 'offline')
    expect((await engine().request()).ok).toBe(false)
    expect(await unsentCount(db)).toBe(4)

    const summary = await engine().request()

    expect(summary).toMatchObject({ ok: true, uploaded: 2, applied: 2, refused: 0 })
    expect(server.calls.filter((c) => c.startsWith('fix_'))).toEqual(['fix_upload', 'fix_upload', 'fix_submit', 'fix_submit'])
    expect(await unsentCount(db)).toBe(0)
    const one = await fixView(db, 1)
    expect(one?.task.status).toBe('submitted')
    expect(one?.task.note).toBe('已补齐制度')
    expect(one?.submittedAt).toBeNull()
    expect(one?.photos.map((p) => p.state)).toEqual(['uploaded'])
  })

  it('sends a submission again after a lost answer, and the server applies it once', async () => {
    await addFixPhoto(db, fixPhoto('fix-000003', 1))
    await submitFix(db, 1, '已整改')
    server.fail('fix_submit', 'lose')
    expect((await engine().request()).ok).toBe(false)
    expect(server.tasks.get(1)?.revision).toBe(2) // the server applied it; the answer was lost

    expect((await engine().request()).ok).toBe(true)

    expect(server.tasks.get(1)?.revision).toBe(2) // not twice
    expect(server.submissions.size).toBe(1)
    expect(await unsentCount(db)).toBe(0)
  })

  it('holds a submission whose photo the server refused, with the reason, and nothing else', async () => {
    await addFixPhoto(db, fixPhoto('fix-000004', 1))
    await submitFix(db, 1, '已整改')
    await addFixPhoto(db, fixPhoto('fix-000005', 2))
    await submitFix(db, 2, '已更换')
    server.fail('fix_upload', { code: 'evidence.too_large' })

    const summary = await engine().request()

    expect(summary).toMatchObject({ ok: true, refused: 2, applied: 1 })
    const held = await fixView(db, 1)
    expect(held?.refused?.kind).toBe('fix_photo')
    expect(server.tasks.get(1)?.status).toBe('open')
    expect(server.tasks.get(2)?.status).toBe('submitted') // one bad change never blocks the rest
  })

  it('keeps a photo named by a queued submission, and a withdrawn task until its changes are sent', async () => {
    await addFixPhoto(db, fixPhoto('fix-000006', 1))
    await submitFix(db, 1, '已整改')
    expect(await removeFixPhoto(db, 'fix-000006')).toBe(false)
    await saveFixes(db, [task(2)]) // task 1 left the list (withdrawn) while its submission waits
    expect(await db.fixes.get(1)).toBeDefined()
    await db.fixOutbox.clear()
    await saveFixes(db, [task(2)])
    expect(await db.fixes.get(1)).toBeUndefined()
  })
})

import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DabiaoDatabase, type PhotoRow } from '../db'
import { addPhoto, recordAnswer } from '../data/local'
import { ApiError } from '../api/client'
import { catalogEntry, endsSession } from '../api/errors'
import errors from '../generated/errors.json'
import { refusedForGood, SyncEngine, type Clock } from './engine'
import { FakeServer } from './fakeServer'

let db: DabiaoDatabase
let server: FakeServer
let clock: ManualClock
let counter = 0

class ManualClock implements Clock {
  time = 1_000_000
  timers: { at: number; fn: () => void; handle: number }[] = []
  private next = 1
  now(): number {
    return this.time
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const handle = this.next++
    this.timers.push({ at: this.time + ms, fn, handle })
    return handle
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.handle !== handle)
  }
}

function engine(options: Partial<ConstructorParameters<typeof SyncEngine>[2]> = {}): SyncEngine {
  return new SyncEngine(db, server, { deviceId: 'dev-test', clock, random: () => 1, pullEveryMs: null, ...options })
}

const A = (grade: string, note: string | null = null) => ({ grade, note, documentDate: null, validUntil: null })

function photo(uploadId: string, itemId = 'I1'): PhotoRow {
  return {
    uploadId,
    inspectionId: 1,
    itemId,
    blob: new Blob(['jpeg-bytes'], { type: 'image/jpeg' }),
    sha256: 'a'.repeat(64),
    width: 1600,
    height: 1200,
    size: 10,
    capturedAt: '2026-11-23T10:00:00+08:00',
    latitude: 34.5,
    longitude: 114.4,
    createdAt: new Date().toISOString(),
    state: 'pending',
    serverId: null,
    flags: [],
  }
}

beforeEach(() => {
  counter += 1
  db = new DabiaoDatabase(`engine-test-${counter}`)
  server = new FakeServer()
  clock = new ManualClock()
})

afterEach(async () => {
  await db.delete()
})

describe('SyncEngine', () => {
  it('sends answers before photos and empties the outbox', async () => {
    await addPhoto(db, photo('up-000001'))
    await recordAnswer(db, 1, 'I1', A('A'))
    await recordAnswer(db, 1, 'I2', A('B'))

    const summary = await engine().request()

    expect(summary).toMatchObject({ ok: true, applied: 2, uploaded: 1, conflicts: 0, refused: 0 })
    expect(server.calls).toEqual(['probe', 'push', 'upload'])
    expect(await db.outbox.count()).toBe(0)
    expect((await db.answers.get([1, 'I1']))?.serverRevision).toBe(1)
    expect(await db.photos.get('up-000001')).toMatchObject({ state: 'uploaded', serverId: 1 })
    expect(server.uploads.get('up-000001')?.sha256).toBe('a'.repeat(64))
  })

  it('sends a later change of an item with the revision the earlier one got', async () => {
    const e = engine()
    await recordAnswer(db, 1, 'I1', A('A'))
    server.fail('push', 'lose') // applied on the server, the answer lost on the way back
    expect((await e.request()).ok).toBe(false)
    // Changed again while the first change is unacknowledged: both are kept, in order.
    await recordAnswer(db, 1, 'I1', A('B'))
    expect(await db.outbox.count()).toBe(2)

    const summary = await e.request()

    expect(summary.ok).toBe(true)
    expect(server.revisions.get('1|I1')).toBe(2)
    expect(server.values.get('1|I1')?.grade).toBe('B')
    expect((await db.answers.get([1, 'I1']))?.serverRevision).toBe(2)
    expect(await db.outbox.count()).toBe(0)
  })

  it('resends a change whose answer was lost with the same id and base; the server applies it once', async () => {
    await recordAnswer(db, 1, 'I1', A('A'))
    const e = engine()
    server.fail('probe', 'offline')
    expect((await e.request()).ok).toBe(false)
    expect(server.calls).toEqual(['probe']) // unreachable: nothing was sent

    server.fail('push', 'lose')
    expect((await e.request()).ok).toBe(false)
    const row = (await db.outbox.toArray())[0]!
    expect(row).toMatchObject({ attempts: 1, sentBase: 0 })
    const sentId = row.changeId

    const summary = await e.request()
    expect(summary).toMatchObject({ ok: true, applied: 1 })
    expect(server.revisions.get('1|I1')).toBe(1)
    expect([...server.receipts.keys()]).toEqual([sentId])
    expect(await db.outbox.count()).toBe(0)
  })

  it('records a conflict for a person and does not resend it', async () => {
    server.revisions.set('1|I1', 3) // someone else changed it meanwhile
    await recordAnswer(db, 1, 'I1', A('C', '离线录入'))

    const summary = await engine().request()

    expect(summary).toMatchObject({ ok: true, conflicts: 1 })
    expect(await db.outbox.count()).toBe(0)
    const notes = await db.meta.where('key').startsWith('conflict:').toArray()
    expect(notes).toHaveLength(1)
    expect(notes[0]!.value).toMatchObject({ inspectionId: 1, itemId: 'I1', currentRevision: 3 })
    expect(server.values.has('1|I1')).toBe(false)
    // The server's list of conflicts (to resolve on the device) is downloaded at once.
    expect(server.calls).toEqual(['probe', 'push', 'bootstrap'])
  })

  it('keeps a refused change as failed with the reason, and holds back later changes of that item', async () => {
    server.reject.add('I1')
    await recordAnswer(db, 1, 'I1', A('Z'))
    await recordAnswer(db, 1, 'I2', A('A'))
    const e = engine()

    const summary = await e.request()

    expect(summary).toMatchObject({ ok: true, applied: 1, refused: 1 })
    const row = (await db.outbox.toArray())[0]!
    expect(row).toMatchObject({ itemId: 'I1', state: 'failed', error: { code: 'answers.invalid_grade' } })

    // A new answer replaces the refused one and is sent.
    server.reject.clear()
    await recordAnswer(db, 1, 'I1', A('A'))
    expect(await db.outbox.count()).toBe(1)
    expect((await e.request()).applied).toBe(1)
    expect(await db.outbox.count()).toBe(0)
  })

  it('waits with capped exponential backoff while the server cannot be reached, then gets through', async () => {
    await recordAnswer(db, 1, 'I1', A('A'))
    const e = engine({ baseDelayMs: 1000, maxDelayMs: 8000 })
    server.fail('probe', 'offline', 'offline', 'offline', 'offline', 'offline')

    for (const expected of [1000, 2000, 4000, 8000, 8000]) {
      const summary = await e.request()
      expect(summary.ok).toBe(false)
      expect(e.status).toMatchObject({ phase: 'waiting', offline: true })
      expect(e.status.nextAttemptAt).toBe(clock.time + expected)
      expect(clock.timers).toHaveLength(1)
      clock.time += expected
    }
    const timer = clock.timers[0]!
    expect(timer.at).toBe(clock.time)
    await e.request() // what the timer would start; it is cancelled by the run
    expect(clock.timers).toHaveLength(0)
    expect(e.status).toMatchObject({ phase: 'idle', failures: 0, offline: false })
    expect(await db.outbox.count()).toBe(0)
  })

  it('applies jitter between half and all of the capped delay', () => {
    const low = new SyncEngine(db, server, { deviceId: 'd', random: () => 0, baseDelayMs: 2000, maxDelayMs: 300_000 })
    const high = new SyncEngine(db, server, { deviceId: 'd', random: () => 0.999999, baseDelayMs: 2000, maxDelayMs: 300_000 })
    expect(low.backoff(1)).toBe(1000)
    expect(high.backoff(1)).toBe(2000)
    expect(high.backoff(30)).toBe(300_000)
    expect(low.backoff(30)).toBe(150_000)
  })

  it('retries a server error (503) but stops for a login when the session is over (401)', async () => {
    await recordAnswer(db, 1, 'I1', A('A'))
    const e = engine()
    server.fail('probe', 503)
    await e.request()
    expect(e.status).toMatchObject({ phase: 'waiting', offline: false })

    clock.timers = []
    server.fail('probe', 401)
    await e.request()
    expect(e.status.phase).toBe('signed_out')
    expect(e.status.lastError).toBe('登录已过期，请重新登录')
    expect(clock.timers).toHaveLength(0)
    expect(await db.outbox.count()).toBe(1)
  })

  describe('sends a change again only when the error catalog allows it', () => {
    const retryable = Object.entries(errors).filter(([, e]) => e.retryable)
    const final = Object.entries(errors).filter(([code, e]) => !e.retryable && !endsSession(code))

    it('reads the catalog the server exports, with both kinds of entries', () => {
      expect(retryable.map(([code]) => code)).toEqual(expect.arrayContaining(['db.unavailable', 'storage.unavailable', 'http.too_many_requests']))
      expect(final.map(([code]) => code)).toEqual(expect.arrayContaining(['sync.not_assigned', 'evidence.frozen', 'workflow.invalid_transition']))
      for (const [code, entry] of Object.entries(errors)) {
        expect(refusedForGood(new ApiError(entry.status, code, entry.message))).toBe(!entry.retryable && !endsSession(code))
      }
    })

    it.each(final.map(([code]) => code).filter((c) => /^(sync|auth|http|evidence)\./.test(c)))(
      'gives up on a batch refused with %s and keeps it for the user',
      async (code) => {
        await recordAnswer(db, 1, 'I1', A('A'))
        server.fail('push', { code })
        const summary = await engine().request()
        expect(summary).toMatchObject({ ok: true, applied: 0, refused: 1 })
        expect(await db.outbox.toArray()).toMatchObject([{ state: 'failed', error: { code } }])
        expect(server.calls.filter((c) => c === 'push')).toHaveLength(1)
      },
    )

    it.each(retryable.map(([code]) => code))('sends a batch answered %s again on the next run', async (code) => {
      await recordAnswer(db, 1, 'I1', A('A'))
      const e = engine()
      server.fail('push', { code })
      expect((await e.request()).ok).toBe(false)
      expect(e.status.phase).toBe('waiting')
      expect(await db.outbox.toArray()).toMatchObject([{ state: 'pending' }])
      expect(await e.request()).toMatchObject({ ok: true, applied: 1, refused: 0 })
    })

    it('takes an answer without a catalog code (a proxy page) as transient, whatever its status', async () => {
      for (const status of [400, 409, 502]) {
        await recordAnswer(db, 1, `I${status}`, A('A'))
        const e = engine()
        server.fail('push', { code: 'http.unknown_error', status })
        expect(catalogEntry('http.unknown_error')).toBeUndefined()
        expect((await e.request()).ok).toBe(false)
        expect(await db.outbox.where('state').equals('failed').count()).toBe(0)
        expect((await e.request()).ok).toBe(true)
      }
    })

    it('keeps a photo the store could not take (storage.unavailable) and gives up on a frozen inspection', async () => {
      await addPhoto(db, photo('up-later-001'))
      const e = engine()
      server.fail('upload', { code: 'storage.unavailable' })
      expect((await e.request()).ok).toBe(false)
      expect(await db.photos.get('up-later-001')).toMatchObject({ state: 'pending' })
      server.fail('upload', { code: 'evidence.frozen' })
      expect(await e.request()).toMatchObject({ ok: true, uploaded: 0, refused: 1 })
      expect(await db.photos.get('up-later-001')).toMatchObject({ state: 'failed' })
    })
  })

  it('retries after an unexpected error instead of stopping for good', async () => {
    await recordAnswer(db, 1, 'I1', A('A'))
    const e = engine()
    const push = server.push.bind(server)
    server.push = () => {
      server.push = push
      return Promise.reject(new TypeError('boom'))
    }
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    expect((await e.request()).ok).toBe(false)
    expect(e.status).toMatchObject({ phase: 'waiting', lastError: '同步出错：boom' })
    expect(errors).toHaveBeenCalled()
    expect((await e.request()).applied).toBe(1)
  })

  it('marks a photo the server refuses as failed and goes on with the next one', async () => {
    await addPhoto(db, photo('up-bad-0001'))
    await addPhoto(db, photo('up-good-001', 'I2'))
    const e = engine()
    const upload = server.upload.bind(server)
    server.upload = async (p, progress) => {
      if (p.uploadId === 'up-bad-0001') {
        const { ApiError } = await import('../api/client')
        throw new ApiError(422, 'evidence.digest_mismatch', 'the bytes do not match')
      }
      return upload(p, progress)
    }

    const summary = await e.request()

    expect(summary).toMatchObject({ ok: true, uploaded: 1, refused: 1 })
    expect(await db.photos.get('up-bad-0001')).toMatchObject({ state: 'failed' })
    expect(await db.outbox.toArray()).toMatchObject([{ changeId: 'up-bad-0001', state: 'failed' }])
  })

  it('reports progress of a photo upload to subscribers', async () => {
    await addPhoto(db, photo('up-progress'))
    const e = engine()
    const seen: (number | undefined)[] = []
    e.subscribe((s) => seen.push(s.upload?.loaded))
    await e.request()
    expect(seen).toContain(10)
  })

  it('downloads the assignments on the first run, then only when due or asked', async () => {
    const e = engine({ pullEveryMs: 60_000 })
    await e.request()
    await e.request()
    expect(server.calls.filter((c) => c === 'bootstrap')).toHaveLength(1)
    await e.request({ pull: true })
    expect(server.calls.filter((c) => c === 'bootstrap')).toHaveLength(2)
    clock.time += 60_000
    await e.request()
    expect(server.calls.filter((c) => c === 'bootstrap')).toHaveLength(3)
  })

  it('runs once more when asked during a run, never two runs at once', async () => {
    await recordAnswer(db, 1, 'I1', A('A'))
    const e = engine()
    const first = e.request()
    const second = e.request()
    expect(second).toBe(first)
    await first
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(server.calls.filter((c) => c === 'probe')).toHaveLength(2)
  })
})

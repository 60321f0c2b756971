import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { JobOut } from '../api/types'
import { ObjectUrls } from './blobs'
import { downloadResult, JobWatch, POLL_MS } from './jobs'
import { job } from './testing'

describe('following jobs', () => {
  let jobs: JobOut[]
  let hidden: boolean
  let server: Map<number, JobOut>
  let asked: number[]
  let watch: JobWatch

  beforeEach(() => {
    vi.useFakeTimers()
    hidden = false
    asked = []
    server = new Map()
    jobs = []
    watch = new JobWatch(
      () => jobs,
      (fresh) => {
        jobs = jobs.map((j) => (j.id === fresh.id ? fresh : j))
      },
      {
        fetchJob: (id) => {
          asked.push(id)
          const answer = server.get(id)
          return answer ? Promise.resolve(answer) : Promise.reject(new Error('offline'))
        },
        hidden: () => hidden,
      },
    )
  })

  afterEach(() => {
    watch.stop()
    vi.useRealTimers()
  })

  it('asks for each queued or running job every two seconds, and stops when none is left', async () => {
    jobs = [job(3, { state: 'queued' }), job(2, { state: 'running' }), job(1, { state: 'succeeded' })]
    server.set(3, job(3, { state: 'running', progress: { done: 1, total: 4, stage: 'render', stage_label: '排版输出' } }))
    server.set(2, job(2, { state: 'succeeded' }))
    watch.kick()
    await vi.advanceTimersByTimeAsync(POLL_MS - 1)
    expect(asked).toEqual([]) // not before the interval
    await vi.advanceTimersByTimeAsync(1)
    expect(asked).toEqual([3, 2]) // the finished one is never asked for
    expect(jobs.map((j) => j.state)).toEqual(['running', 'succeeded', 'succeeded'])
    expect(jobs[0]?.progress.done).toBe(1)

    server.set(3, job(3, { state: 'failed', error: { code: 'jobs.failed', message: '生成失败' } }))
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(asked).toEqual([3, 2, 3])
    expect(watch.polling).toBe(false) // nothing left to follow
    await vi.advanceTimersByTimeAsync(10 * POLL_MS)
    expect(asked).toEqual([3, 2, 3])
  })

  it('never starts when nothing on screen runs', async () => {
    jobs = [job(1, { state: 'succeeded' }), job(2, { state: 'failed' })]
    watch.kick()
    expect(watch.polling).toBe(false)
    await vi.advanceTimersByTimeAsync(5 * POLL_MS)
    expect(asked).toEqual([])
  })

  it('asks nothing while the tab is hidden and goes on when it is shown', async () => {
    jobs = [job(4, { state: 'running' })]
    server.set(4, job(4, { state: 'running' }))
    watch.kick()
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(asked).toEqual([4])
    hidden = true
    watch.pause()
    await vi.advanceTimersByTimeAsync(10 * POLL_MS)
    expect(asked).toEqual([4])
    watch.kick() // hidden: still nothing
    await vi.advanceTimersByTimeAsync(10 * POLL_MS)
    expect(asked).toEqual([4])
    hidden = false
    watch.kick()
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(asked).toEqual([4, 4])
  })

  it('a round that finds the tab hidden asks nothing and schedules nothing', async () => {
    jobs = [job(4, { state: 'running' })]
    watch.kick()
    hidden = true // hidden without the page pausing the watch
    await vi.advanceTimersByTimeAsync(5 * POLL_MS)
    expect(asked).toEqual([])
    expect(watch.polling).toBe(false)
  })

  it('asks again after a failed answer, and not at all once stopped', async () => {
    jobs = [job(5, { state: 'running' })]
    watch.kick()
    await vi.advanceTimersByTimeAsync(POLL_MS) // no answer: offline
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(asked).toEqual([5, 5])
    watch.stop()
    watch.kick()
    await vi.advanceTimersByTimeAsync(5 * POLL_MS)
    expect(asked).toEqual([5, 5])
  })

  it('a job added while it is idle starts it again', async () => {
    jobs = [job(1, { state: 'succeeded' })]
    watch.kick()
    jobs = [job(9, { state: 'queued' }), ...jobs]
    server.set(9, job(9, { state: 'succeeded' }))
    watch.kick()
    await vi.advanceTimersByTimeAsync(POLL_MS)
    expect(asked).toEqual([9])
  })
})

describe('downloading a result', () => {
  it('fetches it with the token and saves it under the job\'s file name', async () => {
    const clicked: { name: string; href: string }[] = []
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push({ name: this.download, href: this.href })
    })
    const result = { filename: '开封市_2026年_奖补资金分配表.xlsx', content_type: 'application/octet-stream', size: 4, sha256: 'b'.repeat(64), reused: true, once: false }
    const urls = new ObjectUrls()
    const fetched: number[] = []
    const name = await downloadResult(urls, job(8, { state: 'succeeded', result }), (id) => {
      fetched.push(id)
      return Promise.resolve(new Blob(['PK\u0003\u0004']))
    })
    expect(fetched).toEqual([8])
    expect(name).toBe('开封市_2026年_奖补资金分配表.xlsx')
    expect(clicked).toHaveLength(1)
    expect(clicked[0]?.name).toBe(name)
    expect(clicked[0]?.href.startsWith('blob:')).toBe(true)
    urls.revokeAll()
    click.mockRestore()
  })
})

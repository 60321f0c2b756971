import { afterEach, describe, expect, it, vi } from 'vitest'
import { ObjectUrls, saveBlob, TaskQueue } from './blobs'

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {}
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('TaskQueue', () => {
  it('runs at most `limit` tasks at once, in order', async () => {
    const queue = new TaskQueue(2)
    const gates = [deferred(), deferred(), deferred()]
    const started: number[] = []
    const results = gates.map((gate, i) =>
      queue.run(async () => {
        started.push(i)
        await gate.promise
        return i
      }),
    )
    await Promise.resolve()
    expect(started).toEqual([0, 1])
    expect(queue.pending).toBe(1)

    gates[0]?.resolve()
    await results[0]
    await Promise.resolve()
    expect(started).toEqual([0, 1, 2])

    gates[1]?.resolve()
    gates[2]?.resolve()
    await expect(Promise.all(results)).resolves.toEqual([0, 1, 2])
    expect(queue.active).toBe(0)
  })

  it('frees the slot when a task fails', async () => {
    const queue = new TaskQueue(1)
    await expect(queue.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    await expect(queue.run(() => Promise.resolve('next'))).resolves.toBe('next')
    expect(queue.active).toBe(0)
  })

  it('refuses a limit below one', () => {
    expect(() => new TaskQueue(0)).toThrow(RangeError)
  })
})

describe('ObjectUrls', () => {
  it('revokes what it created, once', () => {
    const revoke = vi.spyOn(URL, 'revokeObjectURL')
    const urls = new ObjectUrls()
    const a = urls.create(new Blob(['a']))
    urls.create(new Blob(['b']))
    expect(urls.size).toBe(2)

    urls.revoke(a)
    urls.revoke(a)
    expect(revoke).toHaveBeenCalledTimes(1)
    urls.revokeAll()
    expect(revoke).toHaveBeenCalledTimes(2)
    expect(urls.size).toBe(0)
  })
})

describe('saveBlob', () => {
  it('clicks a download link and frees the URL later', () => {
    vi.useFakeTimers()
    const clicked: HTMLAnchorElement[] = []
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this)
    })
    const urls = new ObjectUrls()

    saveBlob(urls, new Blob(['%PDF']), '评审报告-7.pdf')

    expect(clicked).toHaveLength(1)
    expect(clicked[0]?.download).toBe('评审报告-7.pdf')
    expect(clicked[0]?.isConnected).toBe(false)
    expect(urls.size).toBe(1)
    vi.advanceTimersByTime(60_000)
    expect(urls.size).toBe(0)
  })
})

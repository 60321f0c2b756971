// Photos and reports need the bearer token, so they are fetched as Blobs and shown through object
// URLs. A queue keeps a long checklist from firing hundreds of thumbnail requests at once, and a
// URL set remembers what to revoke when the page goes away.

/** Runs at most `limit` tasks at a time, in the order they were queued. */
export class TaskQueue {
  private running = 0
  private readonly waiting: (() => void)[] = []

  constructor(readonly limit: number = 4) {
    if (limit < 1) throw new RangeError('limit must be at least 1')
  }

  get active(): number {
    return this.running
  }

  get pending(): number {
    return this.waiting.length
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    } else {
      this.running++
    }
    try {
      return await task()
    } finally {
      const next = this.waiting.shift()
      if (next) next() // the slot passes straight to the next task
      else this.running--
    }
  }
}

/** Shared by every photo on a page, so a long checklist loads a few thumbnails at a time. */
export const photoQueue = new TaskQueue(4)

/** Object URLs made by one component, all revoked at once when it unmounts. */
export class ObjectUrls {
  private readonly urls = new Set<string>()

  create(blob: Blob): string {
    const url = URL.createObjectURL(blob)
    this.urls.add(url)
    return url
  }

  revoke(url: string): void {
    if (this.urls.delete(url)) URL.revokeObjectURL(url)
  }

  revokeAll(): void {
    for (const url of this.urls) URL.revokeObjectURL(url)
    this.urls.clear()
  }

  get size(): number {
    return this.urls.size
  }
}

/** Offers a Blob as a file download under `filename` (an <a download> click). */
export function saveBlob(urls: ObjectUrls, blob: Blob, filename: string): void {
  const url = urls.create(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  link.rel = 'noopener'
  link.style.display = 'none'
  document.body.appendChild(link)
  link.click()
  link.remove()
  // The browser has taken the file once the click is handled; free the memory a little later.
  setTimeout(() => urls.revoke(url), 60_000)
}

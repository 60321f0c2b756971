// Following background jobs on the desk: while a job on screen is queued or running, each such job
// is asked for again every POLL_MS; the asking stops when none is left, and pauses while the tab
// is hidden (it resumes when the tab is shown again). Results are downloaded with the session's
// token and saved under the job's file name.
import { fetchJobResult, getJob } from '../api/client'
import type { JobOut } from '../api/types'
import { downloadName, isActive } from '../domain/jobs'
import { saveBlob, type ObjectUrls } from './blobs'

export const POLL_MS = 2_000

export interface WatchOptions {
  /** Asks for one job (GET /api/jobs/{id}). */
  fetchJob?: (id: number) => Promise<JobOut>
  /** Whether the page is hidden (a background tab): nothing is asked then. */
  hidden?: () => boolean
  pollMs?: number
}

export class JobWatch {
  private timer: ReturnType<typeof setTimeout> | null = null
  private inFlight = false
  private stopped = false
  private readonly fetchJob: (id: number) => Promise<JobOut>
  private readonly hidden: () => boolean
  private readonly pollMs: number

  /**
   * `jobs` gives the jobs on screen, `update` receives each job as the server answers it now.
   */
  constructor(
    private readonly jobs: () => readonly JobOut[],
    private readonly update: (job: JobOut) => void,
    options: WatchOptions = {},
  ) {
    this.fetchJob = options.fetchJob ?? ((id) => getJob(id))
    this.hidden = options.hidden ?? (() => typeof document !== 'undefined' && document.visibilityState === 'hidden')
    this.pollMs = options.pollMs ?? POLL_MS
  }

  /** Whether a round is scheduled or under way. */
  get polling(): boolean {
    return this.timer !== null || this.inFlight
  }

  /** Looks at the jobs on screen again: the next round is scheduled when one of them is queued or
   * running and the page is visible; otherwise nothing is. Call it after the list changed and
   * when the page is shown again. */
  kick(): void {
    if (this.stopped || this.timer !== null || this.inFlight) return
    if (this.hidden() || !this.jobs().some(isActive)) return
    this.timer = setTimeout(() => {
      this.timer = null
      void this.round()
    }, this.pollMs)
  }

  private async round(): Promise<void> {
    if (this.stopped || this.hidden()) return
    const active = this.jobs().filter(isActive)
    if (active.length === 0) return
    this.inFlight = true
    try {
      const answers = await Promise.allSettled(active.map((job) => this.fetchJob(job.id)))
      if (this.stopped) return
      for (const answer of answers) {
        if (answer.status === 'fulfilled') this.update(answer.value)
      }
      // A failed ask (offline for a moment) is asked again next round.
    } finally {
      this.inFlight = false
    }
    this.kick()
  }

  /** For good (the page goes away). */
  stop(): void {
    this.stopped = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  /** Pauses while hidden: a scheduled round is dropped, and `kick` resumes it. */
  pause(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }
}

/** Downloads a succeeded job's file with the session's token and offers it under its name.
 * Returns the name it was saved under. */
export async function downloadResult(
  urls: ObjectUrls,
  job: JobOut,
  fetchResult: (id: number) => Promise<Blob> = fetchJobResult,
): Promise<string> {
  const blob = await fetchResult(job.id)
  const name = downloadName(job)
  saveBlob(urls, blob, name)
  return name
}

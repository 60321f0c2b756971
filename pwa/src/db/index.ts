// The device's own database: the source of truth while an inspector works offline. Every IndexedDB
// table the app uses is declared here, and only here, with its TypeScript row type.
//
// Schema changes: add a new `this.version(n + 1).stores({...})` (with an `.upgrade()` when rows need
// rewriting) below the existing ones. Never edit or remove an old version(n) declaration: devices
// in the field may still be on any of them, and Dexie needs the whole chain to upgrade them.
import Dexie, { type EntityTable } from 'dexie'

export const DB_NAME = 'dabiao'

/** Small key/value facts about this device (device id, last sync time, ...). */
export interface MetaRow {
  key: string
  value: unknown
}

/**
 * One change made on the device and not yet acknowledged by the server. It is written in the same
 * IndexedDB transaction as the change itself, so a change never exists without its outbox row.
 */
export interface OutboxRow {
  /** Local order of changes; assigned by IndexedDB. */
  seq: number
  /** Device-generated id; the server uses it to make replays idempotent. Unique. */
  changeId: string
  /** ISO 8601 UTC timestamp of when the change was made on the device. */
  createdAt: string
  /** What kind of change this is, for example `item.graded` (defined by the sync work). */
  kind: string
  payload: unknown
}

export class DabiaoDatabase extends Dexie {
  meta!: EntityTable<MetaRow, 'key'>
  outbox!: EntityTable<OutboxRow, 'seq'>

  constructor(name: string = DB_NAME) {
    super(name)
    this.version(1).stores({
      meta: 'key',
      outbox: '++seq, &changeId, createdAt',
    })
  }
}

let instance: DabiaoDatabase | undefined

/** The app's database, created on first use (nothing opens IndexedDB at import time). */
export function getDb(): DabiaoDatabase {
  instance ??= new DabiaoDatabase()
  return instance
}

// Support for the page tests (never imported by the app): wire-type fixtures, a host that renders
// the router's current page and remembers what to unmount, and waiting for Vant dialogs, which
// render into document.body.
import { expect, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import type { Pinia } from 'pinia'
import { defineComponent, h } from 'vue'
import { RouterView, type Router } from 'vue-router'
import type { FacilityOut, InspectionOut, UserOut } from '../api/types'
import type { PhotoRow } from '../db'

export const INSPECTION_ID = 7

export const INSPECTOR: UserOut = {
  id: 3,
  username: 'tx_inspector1',
  display_name: '张检查',
  role: 'inspector',
  region_code: '410222',
  facility_id: null,
  must_change_password: false,
  grantable: [],
  may: ['sync.bootstrap', 'sync.push'],
}

export function facilityOut(overrides: Partial<FacilityOut> = {}): FacilityOut {
  return {
    id: 9,
    name: '城关镇卫生院',
    type_code: 'township_hc',
    region_code: '410222',
    uscc: null,
    licence_no: null,
    latitude: null,
    longitude: null,
    beds: 20,
    iv_infusion: false,
    population_served: 30000,
    facts: {},
    ...overrides,
  }
}

/** A draft county inspection of facility 9 on the mini-test checklist. */
export function inspectionOut(overrides: Partial<InspectionOut> = {}): InspectionOut {
  return {
    id: INSPECTION_ID,
    facility_id: 9,
    region_code: '410222',
    checklist_id: 'mini-test',
    checklist_version: 1,
    kind: 'county_inspection',
    status: 'draft',
    inspection_date: '2026-11-23',
    created_by: 1,
    county_reviewer_id: null,
    city_reviewer_id: null,
    created_at: '2026-11-20T08:00:00Z',
    updated_at: '2026-11-20T08:00:00Z',
    ...overrides,
  }
}

/** A photo waiting on the device. */
export function photoRow(uploadId: string, itemId: string, overrides: Partial<PhotoRow> = {}): PhotoRow {
  return {
    uploadId,
    inspectionId: INSPECTION_ID,
    itemId,
    blob: new Blob(['jpeg-bytes'], { type: 'image/jpeg' }),
    sha256: 'a'.repeat(64),
    width: 1600,
    height: 1200,
    size: 10,
    capturedAt: '2026-11-23T10:00:00+08:00',
    latitude: null,
    longitude: null,
    createdAt: '2026-11-23T02:00:00.000Z',
    state: 'pending',
    serverId: null,
    flags: [],
    ...overrides,
  }
}

/** A route target the page under test navigates to. */
export const Blank = defineComponent({ render: () => h('div', { 'data-testid': 'elsewhere' }) })

const mounted = new Set<VueWrapper>()

/** Renders the router's current page, as the app does. */
export function mountHost(pinia: Pinia, router: Router): VueWrapper {
  const wrapper = mount(RouterView, { global: { plugins: [pinia, router] } })
  mounted.add(wrapper)
  return wrapper
}

export function unmountHost(wrapper: VueWrapper): void {
  mounted.delete(wrapper)
  wrapper.unmount()
}

/** Unmounts every host, then gives their timers a moment: live queries must not outlive the database. */
export async function unmountAll(): Promise<void> {
  for (const wrapper of mounted) wrapper.unmount()
  mounted.clear()
  await new Promise((resolve) => setTimeout(resolve, 20))
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await flushPromises()
}

export function until(check: () => void | Promise<void>): Promise<void> {
  return vi.waitFor(check, { timeout: 2_000, interval: 10 })
}

export function visibleDialog(): HTMLElement | undefined {
  return [...document.querySelectorAll<HTMLElement>('.van-dialog')].find((d) => d.style.display !== 'none')
}

/** A button of the open Vant dialog, found by its text. */
export async function dialogButton(text: string): Promise<HTMLButtonElement> {
  let found: HTMLButtonElement | undefined
  await until(() => {
    found = [...(visibleDialog()?.querySelectorAll<HTMLButtonElement>('button') ?? [])].find(
      (b) => b.textContent?.trim() === text,
    )
    expect(found, `dialog button ${text}`).toBeDefined()
  })
  // Let the dialog's open transition finish first, as it does before a person can tap: a tap inside
  // a half-finished transition can leave the closed dialog displayed under happy-dom.
  await new Promise((resolve) => setTimeout(resolve, 50))
  return found!
}

export async function dialogSays(text: string): Promise<void> {
  await until(() => expect(visibleDialog()?.textContent).toContain(text))
}

export async function dialogClosed(): Promise<void> {
  await until(() => expect(visibleDialog()).toBeUndefined())
}

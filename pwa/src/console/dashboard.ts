// What the 成果统计 screen shows and computes: numbers in words (shares, changes on the year before),
// the colours of the tiers, the lists a number opens, and the options of its three charts. Pure: the
// page (pages/DashboardPage.vue) asks the API and draws the charts (console/charts.ts).
import type { DashboardFacilityQuery, DashboardItemOut, DashboardOut, DashboardRowOut, DashboardShareOut } from '../api/types'
import type { ChartOption } from './charts'

/** The two shares leadership reports (this tier or a higher one), as the wire names them. */
export type Share = keyof DashboardRowOut['shares']

/** The shares the family has, in the server's order and words (基本标准及以上, 示范村卫生室及以上). */
export function sharesOf(body: Pick<DashboardOut, 'shares'>): { code: Share; label: string }[] {
  return body.shares.filter((s): s is typeof s & { code: Share } => s.code === 'basic' || s.code === 'recommended')
}

// A tier's colour, lowest to highest: grey (未评), red (未达标), then from orange to green.
const TIER_COLOURS: Readonly<Record<string, string>> = {
  unrated: '#c8c9cc',
  none: '#ee0a24',
  qualified: '#ff976a',
  basic: '#1989fa',
  recommended: '#07c160',
  community_hospital: '#0b7a55',
}
const SPARE_COLOURS = ['#7232dd', '#ffb000', '#00a3bf']

export function tierColour(code: string, index = 0): string {
  return TIER_COLOURS[code] ?? SPARE_COLOURS[index % SPARE_COLOURS.length] ?? '#969799'
}

export function percentText(percent: number | null | undefined): string {
  return percent === null || percent === undefined ? '—' : `${percent.toFixed(1)}%`
}

/** A change on the year before, in words: "比去年 +3", "比去年 −1.5 个百分点", "与去年持平". */
export function changeText(now: number | null, before: number | null, points = false): string {
  if (now === null || before === null) return ''
  const delta = Math.round((now - before) * 10) / 10
  if (delta === 0) return '与去年持平'
  const sign = delta > 0 ? '+' : '−'
  const size = points ? `${Math.abs(delta).toFixed(1)} 个百分点` : `${Math.abs(delta)}`
  return `比去年 ${sign}${size}`
}

/** A share against its target, in words: "已达目标 20%", "未达目标 20%", or nothing without one. */
export function targetText(share: DashboardShareOut | null): string {
  if (!share || share.target_percent === null) return ''
  return `${metText(share)} ${share.target_percent}%`
}

/** Whether a share reached its target, in words that cannot be read as the tier 未达标. */
export function metText(share: DashboardShareOut | null): string {
  if (!share || share.met === null) return ''
  return share.met ? '已达目标' : '未达目标'
}

/** Facilities with a result that year (every tier but 未评). */
export function rated(row: Pick<DashboardRowOut, 'facilities' | 'tiers'>): number {
  return row.facilities - (row.tiers.unrated ?? 0)
}

// --- the lists behind the numbers ------------------------------------------------------------------

/** What a list shows: the place (a sub-region, or the region's own facilities) and one filter. */
export interface Listing {
  region_code: string
  direct?: boolean
  tier?: string
  reached?: Share
  progress?: string
  checklist_id?: string
  item_id?: string
  /** Facilities with rectification tasks past their deadline. */
  overdue?: boolean
}

/** A listing as it is kept in the page's address (`list=` and `in=`), so that coming back from a
 * facility's page opens it again. */
export function listingParam(listing: Listing): string {
  const [key, value] = listingFilter(listing)
  return `${key}:${value}`
}

function listingFilter(listing: Listing): [string, string] {
  if (listing.tier) return ['tier', listing.tier]
  if (listing.reached) return ['reached', listing.reached]
  if (listing.progress) return ['progress', listing.progress]
  if (listing.item_id) return ['item', `${listing.checklist_id ?? ''}/${listing.item_id}`]
  if (listing.overdue) return ['overdue', '']
  return ['all', '']
}

export function parseListing(param: unknown, place: unknown, direct: unknown): Listing | null {
  if (typeof param !== 'string' || typeof place !== 'string' || !/^\d{6}(\d{3}){0,2}$/.test(place)) return null
  const [key, ...rest] = param.split(':')
  const value = rest.join(':')
  const listing: Listing = { region_code: place, direct: direct === '1' }
  if (key === 'tier' && value) return { ...listing, tier: value }
  if (key === 'reached' && (value === 'basic' || value === 'recommended')) return { ...listing, reached: value }
  if (key === 'progress' && value) return { ...listing, progress: value }
  if (key === 'item') {
    const [checklist, item] = value.split('/')
    if (checklist && item) return { ...listing, checklist_id: checklist, item_id: item }
    return null
  }
  if (key === 'overdue') return { ...listing, overdue: true }
  if (key === 'all') return listing
  return null
}

export function listingQuery(listing: Listing, year: number, family: string, after?: string): DashboardFacilityQuery {
  return {
    region_code: listing.region_code,
    direct: listing.direct || undefined,
    year,
    family,
    tier: listing.tier,
    reached: listing.reached,
    progress: listing.progress as DashboardFacilityQuery['progress'],
    checklist_id: listing.checklist_id,
    item_id: listing.item_id,
    overdue: listing.overdue || undefined,
    after,
    limit: 50,
  }
}

/** The place of a row, as a list names it. */
export function rowPlace(row: Pick<DashboardRowOut, 'region_code' | 'direct'>): Listing {
  return { region_code: row.region_code, direct: row.direct }
}

// --- charts ----------------------------------------------------------------------------------------

const AXIS_TEXT = { color: '#646566', fontSize: 12 }

/** Facilities by tier per sub-region: one horizontal bar a sub-region, its tiers stacked. The rows
 * are the page's rows (sub-regions, then the region's own facilities), top to bottom. */
export function tierBarsOption(body: DashboardOut, rows: readonly DashboardRowOut[], narrow: boolean): ChartOption {
  const names = rows.map((r) => r.region_name)
  return {
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
    legend: { top: 0, left: 0, itemWidth: 12, itemHeight: 10, textStyle: { fontSize: 12 } },
    grid: { left: 8, right: 16, top: narrow ? 56 : 36, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1, axisLabel: AXIS_TEXT },
    yAxis: { type: 'category', data: names, inverse: true, axisLabel: { ...AXIS_TEXT, width: narrow ? 84 : 160, overflow: 'break' } },
    series: body.tiers.map((tier, index) => ({
      id: tier.code,
      name: tier.label,
      type: 'bar',
      stack: 'tiers',
      barMaxWidth: 28,
      itemStyle: { color: tierColour(tier.code, index) },
      emphasis: { focus: 'series' },
      data: rows.map((r) => r.tiers[tier.code] ?? 0),
    })),
  }
}

/** The shares at 基本 and 推荐 of the whole region as two dials, the target marked on each. */
export function gaugesOption(body: DashboardOut, narrow: boolean): ChartOption {
  const shares = body.total.shares
  return {
    animation: false,
    series: sharesOf(body).map(({ code, label }, index) => {
      const share = shares[code]
      const target = share?.target_percent ?? null
      const percent = share?.percent ?? 0
      const colour = share?.met === false ? '#ee0a24' : share?.met ? '#07c160' : '#1989fa'
      return {
        id: code,
        type: 'gauge',
        center: [index === 0 ? '25%' : '75%', narrow ? '58%' : '60%'],
        radius: narrow ? '78%' : '82%',
        startAngle: 210,
        endAngle: -30,
        min: 0,
        max: 100,
        splitNumber: 5,
        progress: { show: true, width: 12, itemStyle: { color: colour } },
        axisLine: {
          lineStyle: {
            width: 12,
            color: target === null ? [[1, '#ebedf0']] : [[target / 100, '#ebedf0'], [Math.min(1, target / 100 + 0.008), '#323233'], [1, '#ebedf0']],
          },
        },
        axisTick: { show: false },
        splitLine: { length: 6, distance: 2, lineStyle: { color: '#c8c9cc' } },
        axisLabel: { distance: 14, fontSize: 10, color: '#969799' },
        pointer: { show: false },
        anchor: { show: false },
        title: {
          offsetCenter: [0, '66%'],
          fontSize: narrow ? 12 : 13,
          lineHeight: narrow ? 16 : 18,
          color: '#323233',
          width: narrow ? 160 : 300,
          overflow: 'break',
        },
        detail: {
          offsetCenter: [0, '8%'],
          fontSize: narrow ? 20 : 24,
          fontWeight: 600,
          color: colour,
          formatter: () => percentText(share?.percent),
        },
        // the target on a line of its own: a phone's half-width dial has no room for both on one
        data: [{ value: percent, name: `${label}${target === null ? '' : `\n目标 ${target}%`}` }],
      }
    }),
  }
}

/** The shares at 基本 and 推荐 per sub-region against the target (the region's, drawn as a line). */
export function shareBarsOption(body: DashboardOut, rows: readonly DashboardRowOut[], narrow: boolean): ChartOption {
  return {
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, valueFormatter: (v: unknown) => percentText(Number(v)) },
    legend: { top: 0, left: 0, itemWidth: 12, itemHeight: 10, textStyle: { fontSize: 12 } },
    grid: { left: 8, right: 24, top: narrow ? 56 : 36, bottom: 8, containLabel: true },
    xAxis: { type: 'value', max: 100, axisLabel: { ...AXIS_TEXT, formatter: '{value}%' } },
    yAxis: {
      type: 'category',
      data: rows.map((r) => r.region_name),
      inverse: true,
      axisLabel: { ...AXIS_TEXT, width: narrow ? 84 : 160, overflow: 'break' },
    },
    series: sharesOf(body).map(({ code, label }) => {
      const target = body.total.shares[code]?.target_percent ?? null
      return {
        id: code,
        name: target === null ? label : `${label}（目标 ${target}%）`,
        type: 'bar',
        barMaxWidth: 14,
        itemStyle: { color: code === 'basic' ? '#1989fa' : '#07c160' },
        data: rows.map((r) => r.shares[code]?.percent ?? 0),
        markLine:
          target === null
            ? undefined
            : {
                symbol: 'none',
                silent: true,
                lineStyle: { color: code === 'basic' ? '#1989fa' : '#07c160', type: 'dashed', width: 1.5 },
                label: { show: false },
                data: [{ xAxis: target }],
              },
      }
    }),
  }
}

/** The items most often not met: one bar an item, labelled by its number. */
export function itemsOption(items: readonly DashboardItemOut[], narrow: boolean): ChartOption {
  return {
    animation: false,
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      confine: true,
      formatter: (params: unknown) => {
        const first = Array.isArray(params) ? (params[0] as { dataIndex: number }) : null
        const item = first ? items[first.dataIndex] : undefined
        return item ? `${escapeHtml(item.number)} ${escapeHtml(item.text)}<br/>${item.count} 家未达标（${percentText(item.percent)}）` : ''
      },
    },
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1, axisLabel: AXIS_TEXT },
    yAxis: {
      type: 'category',
      data: items.map((i) => (narrow ? i.number : `${i.number} ${shorten(i.text, 14)}`)),
      inverse: true,
      axisLabel: AXIS_TEXT,
    },
    series: [
      {
        id: 'items',
        type: 'bar',
        barMaxWidth: 18,
        itemStyle: { color: '#ff976a' },
        label: { show: true, position: 'right', fontSize: 12, color: '#646566' },
        data: items.map((i) => i.count),
      },
    ],
  }
}

export function shorten(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length)}…` : text
}

/** Text put into a tooltip's HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** The height a horizontal bar chart of `count` rows needs. */
export function barsHeight(count: number, legend = true): number {
  return Math.max(160, count * 34 + (legend ? 64 : 24))
}

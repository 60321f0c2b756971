// Apache ECharts, only what the 成果统计 screen draws: bar and gauge charts with a grid, tooltips, a
// legend and target lines, painted on a canvas. Imported from echarts/core module by module so the
// bundle holds nothing else; only the dashboard's chunk imports this file, so the app's first load
// (what an inspector downloads) never carries it.
import { init, use, type ComposeOption, type ECharts } from 'echarts/core'
import { BarChart, GaugeChart, type BarSeriesOption, type GaugeSeriesOption } from 'echarts/charts'
import {
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  type GridComponentOption,
  type LegendComponentOption,
  type MarkLineComponentOption,
  type TooltipComponentOption,
} from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

use([BarChart, GaugeChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, CanvasRenderer])

export type ChartOption = ComposeOption<
  BarSeriesOption | GaugeSeriesOption | GridComponentOption | LegendComponentOption | MarkLineComponentOption | TooltipComponentOption
>

export type Chart = ECharts

/** A chart in `element`, in Chinese. */
export function makeChart(element: HTMLElement): Chart {
  return init(element, undefined, { locale: 'ZH', renderer: 'canvas' })
}

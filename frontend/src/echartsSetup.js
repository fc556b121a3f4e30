// The parts of ECharts the charts use, registered once. Imported only through
// charts.js's dynamic import(), so it lands in its own chunk and only the
// pages that chart download it.
import { init, use } from 'echarts/core'
import { HeatmapChart, LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

use([LineChart, HeatmapChart, GridComponent, TooltipComponent, VisualMapComponent, LegendComponent, CanvasRenderer])

export { init }

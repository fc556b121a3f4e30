// useChart draws an ECharts chart into the element `el` refers to: option()
// builds the whole option each time (it replaces the last one), again when
// `source` changes; the chart follows the window's size (and, with print,
// the printed page's) and is disposed of with the component.
import { onBeforeUnmount, onMounted, watch } from 'vue'
import { loadECharts } from '../charts.js'

export function useChart(el, option, { source, print = false } = {}) {
  let chart = null
  const events = print ? ['resize', 'beforeprint'] : ['resize']

  async function draw() {
    if (!el.value) return
    const echarts = await loadECharts()
    if (!el.value) return
    if (!chart) chart = echarts.init(el.value, null, { renderer: 'canvas' })
    chart.setOption(option(), true)
  }
  const resize = () => chart?.resize()

  onMounted(() => {
    draw()
    for (const e of events) window.addEventListener(e, resize)
  })
  if (source) watch(source, draw, { deep: true })
  onBeforeUnmount(() => {
    for (const e of events) window.removeEventListener(e, resize)
    chart?.dispose()
    chart = null
  })
  return { draw }
}

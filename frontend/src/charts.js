// ECharts is loaded only by the pages that chart: echartsSetup.js (line and
// heatmap charts, canvas renderer — no eval, fine under the CSP) is a chunk
// of its own, fetched on first use.
let loading = null

/** loadECharts resolves to {init} of an ECharts with line and heatmap charts. */
export function loadECharts() {
  if (!loading) {
    loading = import('./echartsSetup.js').catch((err) => {
      loading = null
      throw err
    })
  }
  return loading
}

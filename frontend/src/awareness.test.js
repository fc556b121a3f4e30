import { describe, expect, it } from 'vitest'
import {
  coverageGaps,
  currentQuarter,
  formatCoverage,
  formatInterval,
  formatRate,
  heatmapData,
  insufficient,
  intervalBar,
  isPickable,
  parsePeriod,
  periodLabel,
  periodOptions,
  previousQuarters,
  sortByRank,
  trendMonths,
  trendSeries,
  weakest,
} from './awareness.js'

// 2026-09-30 20:00 UTC is already 2026-10-01 04:00 in Shanghai: Q4.
const BORDER = new Date('2026-09-30T20:00:00Z')

describe('periods', () => {
  it('names the current quarter in Asia/Shanghai', () => {
    expect(currentQuarter(new Date('2026-09-30T15:00:00Z'))).toBe('2026Q3')
    expect(currentQuarter(BORDER)).toBe('2026Q4')
    expect(currentQuarter(new Date('2026-01-01T00:00:00Z'))).toBe('2026Q1')
  })

  it('parses and labels quarters and months', () => {
    expect(parsePeriod('2026Q3')).toEqual({ kind: 'quarter', year: 2026, q: 3 })
    expect(parsePeriod('2026-09')).toEqual({ kind: 'month', year: 2026, month: 9 })
    for (const bad of ['2026Q5', '2026-13', '2026-9', 'x', '', null]) expect(parsePeriod(bad)).toBeNull()
    expect(periodLabel('2026Q3')).toBe('2026年第3季度')
    expect(periodLabel('2026-09')).toBe('2026年9月')
  })

  it('lists previous quarters across a year, oldest first', () => {
    expect(previousQuarters('2026Q2', 4)).toEqual(['2025Q3', '2025Q4', '2026Q1', '2026Q2'])
    expect(previousQuarters('2026-05', 4)).toEqual([])
  })

  it('lists the trend months of a period, never past the current month', () => {
    expect(trendMonths('2026Q2', 6, BORDER)).toEqual(['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'])
    expect(trendMonths('2026Q4', 4, new Date('2026-11-20T00:00:00Z'))).toEqual(['2026-08', '2026-09', '2026-10', '2026-11'])
    expect(trendMonths('2026-02', 3, BORDER)).toEqual(['2025-12', '2026-01', '2026-02'])
    expect(trendMonths('bogus')).toEqual([])
  })

  it('offers recent quarters and months, newest first, never the future', () => {
    const opts = periodOptions(BORDER, { quarters: 3, months: 3 })
    expect(opts.map((o) => o.value)).toEqual(['2026Q4', '2026Q3', '2026Q2', '2026-10', '2026-09', '2026-08'])
    expect(opts[0].text).toBe('2026年第4季度')
    const jan = periodOptions(new Date('2026-01-15T00:00:00Z'), { quarters: 2, months: 2 }).map((o) => o.value)
    expect(jan).toEqual(['2026Q1', '2025Q4', '2026-01', '2025-12'])
    for (const o of periodOptions(BORDER)) expect(isPickable(o.value, BORDER)).toBe(true)
    expect(isPickable('2026-11', BORDER)).toBe(false)
    expect(isPickable('2027Q1', BORDER)).toBe(false)
    expect(isPickable('2026-10', BORDER)).toBe(true)
  })
})

describe('rates and intervals', () => {
  it('writes rates and intervals as percentages, — when missing', () => {
    expect(formatRate(0.8125)).toBe('81.3%')
    expect(formatRate(0.05, 0)).toBe('5%')
    expect(formatRate(0)).toBe('0.0%')
    expect(formatRate(null)).toBe('—')
    expect(formatInterval(0.712, 0.88)).toBe('71.2%–88.0%')
    expect(formatInterval(null, 0.5)).toBe('—')
  })

  it('writes coverage with two decimals, tiny ones as <0.01%', () => {
    expect(formatCoverage(0.0523)).toBe('5.23%')
    expect(formatCoverage(0.00001)).toBe('<0.01%')
    expect(formatCoverage(0)).toBe('0.00%')
    expect(formatCoverage(null)).toBe('—')
  })

  it('places an interval on a bar', () => {
    expect(intervalBar(0.5, 0.25, 0.75)).toEqual({ left: '25%', width: '50%', point: '50%' })
    expect(intervalBar(1, 0.9, 1.2)).toEqual({ left: '90%', width: '10%', point: '100%' })
    expect(intervalBar(null, null, null)).toBeNull()
  })

  it('marks a sample under 30 as insufficient', () => {
    expect(insufficient(29)).toBe(true)
    expect(insufficient(30)).toBe(false)
    expect(insufficient(undefined)).toBe(true)
    expect(insufficient(5, 5)).toBe(false)
  })

  it('shapes the trend with a band from the interval', () => {
    const s = trendSeries([
      { period: '2026Q2', rate: 0.5, ci_low: 0.4, ci_high: 0.6 },
      { period: '2026Q3', rate: null, ci_low: null, ci_high: null },
    ])
    expect(s.labels).toEqual(['2026年第2季度', '2026年第3季度'])
    expect(s.rate).toEqual([50, null])
    expect(s.low).toEqual([40, null])
    expect(s.band).toEqual([20, null])
  })
})

describe('heatmapData', () => {
  const fraudTypes = [
    { code: 'police_impersonation', name: '冒充公检法' },
    { code: 'brushing', name: '刷单返利' },
    { code: 'romance', name: '网络交友' },
  ]
  const ageBands = [
    { code: 'u18', name: '18岁以下' },
    { code: '18_29', name: '18-29岁' },
    { code: '60_plus', name: '60岁及以上' },
  ]

  it('puts the fraud types that occur on y and every age band on x, in the taxonomy order; missing cells are empty', () => {
    const h = heatmapData(
      [
        { fraud_type: 'brushing', age_band: '60_plus', answered: 4, correct: 1, rate: 0.25 },
        { fraud_type: 'police_impersonation', age_band: '18_29', answered: 3, correct: 3, rate: 1 },
        { fraud_type: 'police_impersonation', age_band: '60_plus', answered: 0, correct: 0, rate: null },
      ],
      { fraudTypes, ageBands },
    )
    expect(h.xLabels).toEqual(['18岁以下', '18-29岁', '60岁及以上'])
    expect(h.yLabels).toEqual(['冒充公检法', '刷单返利'])
    expect(h.data).toEqual([
      [2, 1, 25],
      [1, 0, 100],
    ])
    expect(h.empty.map(String).sort()).toEqual(['0,0', '0,1', '1,1', '2,0'])
  })

  it('keeps unknown codes, named by their code', () => {
    const h = heatmapData([{ fraud_type: 'other', age_band: 'x', rate: 0.5 }])
    expect(h.xLabels).toEqual(['x'])
    expect(h.yLabels).toEqual(['other'])
    expect(h.data).toEqual([[0, 0, 50]])
    expect(heatmapData(null)).toEqual({ xLabels: [], yLabels: [], data: [], empty: [] })
  })
})

describe('lists', () => {
  it('finds the weakest with a rate', () => {
    const items = [{ rate: 0.9 }, { rate: null }, { rate: 0.2 }, { rate: 0.5 }]
    expect(weakest(items, 2)).toEqual([{ rate: 0.2 }, { rate: 0.5 }])
  })

  it('keeps the grids below target coverage, lowest first', () => {
    const grids = [
      { area_code: 'a', coverage: 0.1, population: 100 },
      { area_code: 'b', coverage: 0.01, population: 100 },
      { area_code: 'c', coverage: null, population: 0 },
      { area_code: 'd', coverage: null, population: 50 },
      { area_code: 'e', coverage: 0.05, population: 100 },
      { area_code: 'f', coverage: 0, population: 100 },
    ]
    expect(coverageGaps(grids, 0.05).map((g) => g.area_code)).toEqual(['d', 'f', 'b'])
    expect(coverageGaps(undefined, 0.05)).toEqual([])
  })

  it('orders assessment rows by rank, ties by name', () => {
    const rows = [
      { rank: 2, name: '衢江区' },
      { rank: 1, name: '柯城区' },
      { rank: 2, name: '江山市' },
    ]
    expect(sortByRank(rows).map((r) => r.name)).toEqual(['柯城区', '江山市', '衢江区'])
  })
})

import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, h, nextTick, ref } from 'vue'
import SearchPicker from './SearchPicker.vue'

const WARNINGS = [
  { value: 3, text: '冒充客服退款', note: '编号 3 · 已发布' },
  { value: 5, text: '刷单返利骗局', note: '编号 5 · 已发布' },
  { value: 8, text: '冒充公检法', note: '编号 8 · 草稿' },
]

const flush = async () => {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve()
    await nextTick()
  }
}

let app
let host
function mount(props, model) {
  host = document.createElement('div')
  document.body.appendChild(host)
  app = createApp({
    setup: () => () =>
      h(SearchPicker, {
        label: '关联预警',
        test: 'pick',
        delay: 0,
        ...props,
        modelValue: model.value,
        'onUpdate:modelValue': (v) => (model.value = v),
      }),
  })
  app.mount(host)
}

afterEach(() => {
  app?.unmount()
  host?.remove()
  document.body.innerHTML = ''
})

const q = (sel) => document.querySelector(sel)
const all = (sel) => [...document.querySelectorAll(sel)]

describe('SearchPicker', () => {
  it('shows chosen records by name, searches on the server and picks several', async () => {
    const model = ref([3])
    const search = vi.fn(async (text) => WARNINGS.filter((w) => w.text.includes(text)))
    const resolve = vi.fn(async (values) => WARNINGS.filter((w) => values.includes(w.value)))
    mount({ multiple: true, search, resolve }, model)
    await flush()
    expect(resolve).toHaveBeenCalledWith([3])
    expect(all('[data-test="picker-chosen"]').map((t) => t.textContent.trim())).toEqual(['冒充客服退款'])

    q('[data-test="pick-open"]').click()
    await flush()
    expect(search).toHaveBeenLastCalledWith('')
    expect(all('[data-test="pick-option"]')).toHaveLength(3)

    const input = q('[data-test="pick-search"] input')
    input.value = '冒充'
    input.dispatchEvent(new Event('input'))
    await new Promise((r) => setTimeout(r, 5))
    await flush()
    expect(search).toHaveBeenLastCalledWith('冒充')
    const options = all('[data-test="pick-option"]')
    expect(options.map((o) => o.querySelector('.picker-name').textContent)).toEqual(['冒充客服退款', '冒充公检法'])
    expect(options[0].getAttribute('aria-selected')).toBe('true') // already chosen

    options[1].click() // add 冒充公检法
    await flush()
    q('[data-test="pick-confirm"]').click()
    await flush()
    expect(model.value).toEqual([3, 8])
    expect(all('[data-test="picker-chosen"]').map((t) => t.textContent.trim())).toEqual(['冒充客服退款', '冒充公检法'])
  })

  it('shows only the newest search and removes a tag', async () => {
    const model = ref([5])
    let slow
    const search = vi.fn((text) => {
      if (text === '慢') return new Promise((r) => (slow = r))
      return Promise.resolve(WARNINGS.filter((w) => w.text.includes(text)))
    })
    mount({ multiple: true, search, resolve: async () => [WARNINGS[1]] }, model)
    await flush()
    q('[data-test="pick-open"]').click()
    await flush()
    const input = q('[data-test="pick-search"] input')
    input.value = '慢'
    input.dispatchEvent(new Event('input'))
    await new Promise((r) => setTimeout(r, 5))
    input.value = '刷单'
    input.dispatchEvent(new Event('input'))
    await new Promise((r) => setTimeout(r, 5))
    await flush()
    slow([WARNINGS[2]]) // the older answer arrives last
    await flush()
    expect(all('[data-test="pick-option"]').map((o) => o.querySelector('.picker-name').textContent)).toEqual(['刷单返利骗局'])

    q('[data-test="picker-chosen"] .van-tag__close').click()
    await flush()
    expect(model.value).toEqual([])
  })

  it('picks one record when not multiple, and stays still when read-only', async () => {
    const model = ref(null)
    mount({ search: async () => WARNINGS, resolve: async () => [] }, model)
    await flush()
    q('[data-test="pick-open"]').click()
    await flush()
    all('[data-test="pick-option"]')[1].click()
    await flush()
    expect(model.value).toBe(5)
    app.unmount()
    document.body.innerHTML = ''
    const ro = ref([3])
    mount({ multiple: true, readonly: true, search: async () => WARNINGS, resolve: async () => [WARNINGS[0]] }, ro)
    await flush()
    expect(q('[data-test="pick-open"]')).toBeNull()
    expect(q('.van-tag__close')).toBeNull()
  })
})

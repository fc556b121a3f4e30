import { beforeEach, describe, expect, it } from 'vitest'
import { createApp, nextTick } from 'vue'
import {
  LARGE_TEXT_CLASS,
  LARGE_TEXT_KEY,
  applyLargeText,
  initLargeText,
  readLargeText,
  setLargeText,
  useLargeText,
  writeLargeText,
} from './largeText.js'
import LargeTextSwitch from './components/LargeTextSwitch.vue'

const html = () => document.documentElement

describe('large-text preference', () => {
  beforeEach(() => {
    localStorage.clear()
    html().classList.remove(LARGE_TEXT_CLASS)
  })

  it('is off by default', () => {
    expect(readLargeText()).toBe(false)
    expect(initLargeText()).toBe(false)
    expect(html().classList.contains(LARGE_TEXT_CLASS)).toBe(false)
  })

  it('persists and applies the class', () => {
    setLargeText(true)
    expect(localStorage.getItem(LARGE_TEXT_KEY)).toBe('1')
    expect(html().classList.contains(LARGE_TEXT_CLASS)).toBe(true)
    setLargeText(false)
    expect(localStorage.getItem(LARGE_TEXT_KEY)).toBeNull()
    expect(html().classList.contains(LARGE_TEXT_CLASS)).toBe(false)
  })

  it('is restored on the next page load', () => {
    writeLargeText(true)
    html().classList.remove(LARGE_TEXT_CLASS) // a fresh document
    expect(initLargeText()).toBe(true)
    expect(html().classList.contains(LARGE_TEXT_CLASS)).toBe(true)
    expect(useLargeText().largeText.value).toBe(true)
  })

  it('survives a storage that throws', () => {
    const broken = {
      getItem() {
        throw new Error('denied')
      },
      setItem() {
        throw new Error('quota')
      },
      removeItem() {
        throw new Error('denied')
      },
    }
    expect(readLargeText(broken)).toBe(false)
    expect(() => writeLargeText(true, broken)).not.toThrow()
    applyLargeText(true)
    expect(html().classList.contains(LARGE_TEXT_CLASS)).toBe(true)
  })

  it('is switched by the 大字模式 switch', async () => {
    initLargeText()
    const host = document.createElement('div')
    document.body.append(host)
    const app = createApp(LargeTextSwitch)
    app.mount(host)
    const toggle = host.querySelector('[role="switch"]')
    expect(host.textContent).toContain('长辈版')
    expect(toggle.getAttribute('aria-label')).toBe('长辈版（大字模式）')

    toggle.click()
    await nextTick()
    expect(html().classList.contains(LARGE_TEXT_CLASS)).toBe(true)
    expect(localStorage.getItem(LARGE_TEXT_KEY)).toBe('1')
    expect(toggle.getAttribute('aria-checked')).toBe('true')

    toggle.click()
    await nextTick()
    expect(html().classList.contains(LARGE_TEXT_CLASS)).toBe(false)
    expect(toggle.getAttribute('aria-checked')).toBe('false')
    app.unmount()
    host.remove()
  })
})

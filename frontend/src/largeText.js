// The large-text, high-contrast mode (适老化) for older residents. The choice is
// kept in localStorage and applied as the `large-text` class on <html>, where
// styles.css raises the base font size, line height, contrast and tap targets.
import { ref } from 'vue'

export const LARGE_TEXT_KEY = 'wuzha.largeText'
export const LARGE_TEXT_CLASS = 'large-text'

/** readLargeText returns the stored preference; false when unset or storage is unavailable. */
export function readLargeText(storage = globalThis.localStorage) {
  try {
    return storage?.getItem(LARGE_TEXT_KEY) === '1'
  } catch {
    return false
  }
}

/** writeLargeText stores the preference; a full or blocked storage only loses persistence. */
export function writeLargeText(on, storage = globalThis.localStorage) {
  try {
    if (on) storage?.setItem(LARGE_TEXT_KEY, '1')
    else storage?.removeItem(LARGE_TEXT_KEY)
  } catch {
    // Private mode or quota: the mode still applies to this page view.
  }
}

/** applyLargeText sets or clears the class on the document's root element. */
export function applyLargeText(on, doc = globalThis.document) {
  doc?.documentElement?.classList.toggle(LARGE_TEXT_CLASS, Boolean(on))
}

// One shared ref so every switch on the page shows the same state.
const largeText = ref(false)

/** initLargeText applies the stored preference; main.js calls it before mounting. */
export function initLargeText() {
  largeText.value = readLargeText()
  applyLargeText(largeText.value)
  return largeText.value
}

/** setLargeText changes the mode, applies it and persists it. */
export function setLargeText(on) {
  largeText.value = Boolean(on)
  applyLargeText(largeText.value)
  writeLargeText(largeText.value)
}

/** useLargeText gives components the shared state and its setter. */
export function useLargeText() {
  return { largeText, setLargeText }
}

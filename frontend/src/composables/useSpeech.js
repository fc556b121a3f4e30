// Read-aloud (语音朗读) through the browser's speech synthesis, in Chinese.
// One utterance at a time: starting a new one stops the last.
import { onBeforeUnmount, ref } from 'vue'

/** speechAvailable reports whether the browser can speak. */
export function speechAvailable(win = globalThis.window) {
  return Boolean(win?.speechSynthesis && win?.SpeechSynthesisUtterance)
}

/** speak reads text aloud in zh-CN, a little slower than usual; false when it cannot. */
export function speak(text, win = globalThis.window) {
  const words = String(text || '').replace(/\s+/g, ' ').trim()
  if (!words || !speechAvailable(win)) return false
  win.speechSynthesis.cancel()
  const u = new win.SpeechSynthesisUtterance(words)
  u.lang = 'zh-CN'
  u.rate = 0.9
  win.speechSynthesis.speak(u)
  return u
}

/** useSpeech gives a component speaking state and stops reading when it goes away. */
export function useSpeech() {
  const speaking = ref(false)
  function read(text) {
    const u = speak(text)
    if (!u) return false
    speaking.value = true
    u.onend = u.onerror = () => (speaking.value = false)
    return true
  }
  function stop() {
    if (speechAvailable()) globalThis.window.speechSynthesis.cancel()
    speaking.value = false
  }
  onBeforeUnmount(() => speaking.value && stop())
  return { speaking, read, stop, available: speechAvailable() }
}

// Wiring of the offline queue and the service worker into the app: the queue
// is sent when the app opens, when the browser comes back online and when the
// service worker's Background Sync wakes the page. The service worker is
// registered in production builds only (the dev server has no /sw.js).
import { showToast } from 'vant'
import * as attemptsApi from './api/attempts.js'
import { flush, onQueue, queued } from './offlineQueue.js'

/** syncNow sends the waiting submissions; resolves to how many still wait. */
export const syncNow = () => flush((s) => attemptsApi.submit(s.attempt_id, s.body, s.key))

/** startOfflineSync sends the queue now and whenever the network returns. */
export function startOfflineSync(router) {
  // Not while the browser says it is offline: Background Sync may wake the
  // page when the worker, not the page, has a network.
  const trySend = () => {
    if (navigator.onLine && queued().length) syncNow()
  }
  window.addEventListener('online', trySend)
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if (event.data?.type === 'wuzha-sync') trySend()
  })
  // The quiz page shows its own outcome; elsewhere a toast says it arrived.
  onQueue((e) => {
    if (e.outcome === 'sent' && !router.currentRoute.value.path.startsWith('/quizzes/')) {
      showToast({ message: '离线时交的答卷已提交成功', duration: 3000 })
    }
  })
  trySend()
}

/** registerServiceWorker installs the app shell's service worker (production only). */
export function registerServiceWorker() {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => {
      // Without it the app works as before, only not offline.
    })
  })
}

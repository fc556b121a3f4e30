import { createApp } from 'vue'
// Vant's base variables first, so that styles.css overrides them; each Vant
// component brings its own stylesheet (build-plugins.js).
import 'vant/es/style/base.css'
import './styles.css'
import App from './App.vue'
import { onPasswordChangeRequired, onSessionExpired } from './api.js'
import { initLargeText } from './largeText.js'
import { registerServiceWorker, startOfflineSync } from './offlineSync.js'
import { createAppRouter, PASSWORD_PATH } from './router.js'
import { reloadSession } from './session.js'

// Before the first paint, so older residents never see small text flash by.
initLargeText()

const router = createAppRouter()

// When a sign-in can no longer be renewed, go to the sign-in page that fits,
// coming back here afterwards.
onSessionExpired((target) => {
  const here = router.currentRoute.value
  if (here.path === target) return
  const redirect = here.fullPath && here.path !== '/' ? here.fullPath : undefined
  router.replace({ path: target, query: redirect ? { redirect } : {} })
})

// A password that must be changed first: to 修改密码.
onPasswordChangeRequired(() => {
  if (router.currentRoute.value.path !== PASSWORD_PATH) router.replace(PASSWORD_PATH)
})

// Keep tabs in step: signing in or out in one shows in the others.
window.addEventListener('storage', (event) => {
  if (event.key === null || event.key.startsWith('wuzha.')) {
    reloadSession()
    if (event.key === 'wuzha.largeText' || event.key === null) initLargeText()
  }
})

createApp(App).use(router).mount('#app')

// Offline in the field: the app shell from the service worker, and answers
// handed in without a network sent when it returns.
registerServiceWorker()
startOfflineSync(router)

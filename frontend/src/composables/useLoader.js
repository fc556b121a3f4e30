// useLoader runs a page's load: whether it is loading and the message of the
// last failure. fetch does the work and keeps what it got; onError may take a
// failure itself (a 404 shown as "not found") by returning true.
import { onMounted, ref, watch } from 'vue'
import { useRoute } from 'vue-router'

export function useLoader(fetch, { loading: initially = false, onError } = {}) {
  const loading = ref(initially)
  const error = ref('')
  async function load(...args) {
    loading.value = true
    error.value = ''
    try {
      await fetch(...args)
    } catch (err) {
      if (!onError?.(err)) error.value = err.message
    } finally {
      loading.value = false
    }
  }
  return { loading, error, load }
}

/** useItems loads a list answered as {items} when the page is mounted. */
export function useItems(fetch) {
  const items = ref([])
  const loader = useLoader(
    async () => {
      const answer = await fetch()
      items.value = Array.isArray(answer?.items) ? answer.items : []
    },
    { loading: true },
  )
  onMounted(loader.load)
  return { items, ...loader }
}

/** useRouteLoader loads by the id in the address, again whenever it changes. */
export function useRouteLoader(fetch, options) {
  const route = useRoute()
  const loader = useLoader(fetch, options)
  watch(() => route.params.id, (id) => id && loader.load(id), { immediate: true })
  return { ...loader, reload: () => loader.load(route.params.id) }
}

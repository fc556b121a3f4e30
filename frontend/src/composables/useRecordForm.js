// useRecordForm is the shared half of the console's edit pages (a warning, a
// question, a quiz): the record being edited and its form, an error per field
// that goes away once the field is edited (and the summary line once none is
// left), whether the form differs from what was saved, loading by the id in
// the address (…/new has none; after the first save the address gets the new
// id without loading it again) and the question before leaving unsaved work.
import { computed, reactive, ref, watch } from 'vue'
import { onBeforeRouteLeave, useRoute } from 'vue-router'
import { showConfirmDialog } from 'vant'

/**
 * Options: fields (the server's field names), sourceOf(field) (the form key a
 * field's error follows, if it differs), blank() (an empty form),
 * fromRecord(record) (a form; may be async), payload(form) (what is sent),
 * fetch(id) (the record; may load more for the page), reset() (page state to
 * forget before a load), idOf(param), mayLeave() (true when leaving needs no
 * question, besides an unchanged form).
 */
export function useRecordForm({ fields, sourceOf = (f) => f, blank, fromRecord, payload, fetch, reset, idOf = (p) => p, mayLeave = () => false }) {
  const route = useRoute()
  const id = ref(null)
  const record = ref(null) // as the server last answered
  const form = reactive(blank())
  const errors = reactive(Object.fromEntries(fields.map((f) => [f, ''])))
  const formError = ref('')
  const loading = ref(false)
  const loadError = ref('')
  const savedPayload = ref('')
  const saving = ref(false)
  const dirty = computed(() => JSON.stringify(payload(form)) !== savedPayload.value)

  for (const f of fields) {
    watch(
      () => form[sourceOf(f)],
      () => {
        if (!errors[f]) return
        errors[f] = ''
        if (fields.every((k) => !errors[k])) formError.value = ''
      },
      { deep: true },
    )
  }

  /** fill shows a record (or a blank form for null) as saved. */
  async function fill(r) {
    record.value = r
    Object.assign(form, r ? await fromRecord(r) : blank())
    savedPayload.value = JSON.stringify(payload(form))
  }

  async function load(wanted) {
    id.value = wanted ? idOf(wanted) : null
    formError.value = ''
    loadError.value = ''
    reset?.()
    if (!wanted) {
      await fill(null)
      return
    }
    loading.value = true
    try {
      await fill(await fetch(wanted))
    } catch (err) {
      loadError.value = err.message
    } finally {
      loading.value = false
    }
  }

  /** setErrors puts the errors of a failed save (or of a local check) on their fields. */
  function setErrors(byField) {
    for (const f of fields) errors[f] = byField?.[f] || ''
    return fields.filter((f) => errors[f]).length
  }

  /** saveWith runs one save: write() answers whether it worked; a failure goes to failed(err). */
  async function saveWith(write, failed) {
    saving.value = true
    try {
      return await write()
    } catch (err) {
      failed(err)
      return false
    } finally {
      saving.value = false
    }
  }

  watch(
    () => route.params.id,
    (next) => {
      if (String(next ?? '') !== String(id.value ?? '')) load(next)
    },
    { immediate: true },
  )

  onBeforeRouteLeave(async () => {
    if (!dirty.value || mayLeave()) return true
    try {
      await showConfirmDialog({ title: '尚未保存', message: '修改还没有保存，确定离开吗？', confirmButtonText: '离开' })
      return true
    } catch {
      return false
    }
  })

  return { id, record, form, errors, formError, loading, loadError, dirty, saving, fill, load, setErrors, saveWith, reload: () => load(route.params.id) }
}

// useDecisions drives approve / reject-with-a-reason on the items of a review
// list (questions waiting for review, population changes): one decision at a
// time, the reason box of one item open at a time, an error per item.
import { reactive, ref } from 'vue'

/**
 * approve(item) and reject(item, reason) call the API; done(item, approved,
 * answer) updates the list and says so; rejectHint is the message when the
 * reason is missing or too short.
 */
export function useDecisions({ approve, reject, done, rejectHint }) {
  const busy = ref(0)
  const rejecting = ref(0)
  const reasons = reactive({})
  const errors = reactive({})

  async function decide(item, approved) {
    if (busy.value) return
    errors[item.id] = ''
    if (!approved && (reasons[item.id] || '').trim().length < 2) {
      errors[item.id] = rejectHint
      return
    }
    busy.value = item.id
    try {
      const answer = approved ? await approve(item) : await reject(item, reasons[item.id].trim())
      rejecting.value = 0
      done(item, approved, answer)
    } catch (err) {
      errors[item.id] = err.message
    } finally {
      busy.value = 0
    }
  }

  return { busy, rejecting, reasons, errors, decide }
}

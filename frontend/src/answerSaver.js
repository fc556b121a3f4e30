// Saving a resident's answers to the server as they go: changes are
// debounced, one request is in flight at a time (so an older save can never
// land after a newer one), and a save that fails for a reason that may pass
// (no network, a server hiccup, rate limiting) is retried with growing waits
// until it gets through. A refusal that will not pass (submitted, past the
// deadline, not found) stops the saver.

/** States the saver reports through onState. */
export const SAVE_STATES = ['idle', 'pending', 'saving', 'saved', 'retrying', 'failed']

/** isRetryable reports whether a failed save may succeed when tried again. */
export function isRetryable(err) {
  if (!err) return false
  if (err.code === 'network_error' || !err.status) return true
  return err.status === 408 || err.status === 429 || err.status >= 500
}

/**
 * createAnswerSaver makes a saver. `save(payload)` sends one payload and
 * rejects on failure; `onState(state, error)` hears every change of state.
 * Timers can be replaced for tests.
 */
export function createAnswerSaver({
  save,
  delay = 800,
  retryDelays = [1000, 2000, 4000, 8000, 15000],
  onState = () => {},
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (id) => clearTimeout(id),
}) {
  let latest = null
  let version = 0 // bumped by every change
  let savedVersion = 0 // the newest version the server has
  let inFlight = null
  let timer = null
  let failures = 0
  let stopped = false
  let state = 'idle'

  function emit(next, err) {
    state = next
    onState(next, err)
  }

  function schedule(ms) {
    if (timer !== null) clearTimer(timer)
    timer = setTimer(() => {
      timer = null
      run()
    }, ms)
  }

  function run() {
    if (stopped || inFlight || version === savedVersion) return inFlight ?? Promise.resolve()
    const v = version
    emit('saving')
    inFlight = Promise.resolve()
      .then(() => save(latest))
      .then(
        () => {
          inFlight = null
          failures = 0
          savedVersion = Math.max(savedVersion, v)
          if (stopped) return
          if (version !== savedVersion) {
            emit('pending')
            schedule(0)
          } else emit('saved')
        },
        (err) => {
          inFlight = null
          if (stopped) return
          if (isRetryable(err)) {
            failures += 1
            emit('retrying', err)
            schedule(retryDelays[Math.min(failures - 1, retryDelays.length - 1)])
          } else {
            stopped = true
            if (timer !== null) clearTimer(timer)
            timer = null
            emit('failed', err)
          }
        },
      )
    return inFlight
  }

  return {
    /** change records the newest payload and saves it after the debounce. */
    change(payload) {
      latest = payload
      version += 1
      if (stopped) return
      // While retrying, keep the retry's wait; the retry sends the newest payload.
      if (state === 'retrying' && timer !== null) return
      emit('pending')
      if (!inFlight) schedule(delay) // else the save in flight schedules the next
    },
    /** flush saves now what is not saved yet (e.g. when the page is hidden or the network is back). */
    flush() {
      if (stopped) return Promise.resolve()
      if (timer !== null) clearTimer(timer)
      timer = null
      return run()
    },
    /** stop ends saving, e.g. once the attempt is submitted. */
    stop() {
      stopped = true
      if (timer !== null) clearTimer(timer)
      timer = null
    },
    /** dirty reports whether the server lacks the newest answers. */
    get dirty() {
      return version !== savedVersion
    },
    get state() {
      return state
    },
  }
}

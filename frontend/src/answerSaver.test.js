import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAnswerSaver, isRetryable } from './answerSaver.js'

const networkError = () => Object.assign(new Error('网络连接失败'), { code: 'network_error', status: 0 })
const problem = (status, code) => Object.assign(new Error(code), { status, code })

// A save that the test answers by hand: resolve() or reject() the oldest one.
function manualSave() {
  const calls = []
  const save = vi.fn(
    (payload) =>
      new Promise((resolve, reject) => {
        calls.push({ payload, resolve, reject })
      }),
  )
  return { save, calls }
}

describe('answer saver', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('debounces changes into one save of the newest answers', async () => {
    const { save, calls } = manualSave()
    const states = []
    const saver = createAnswerSaver({ save, delay: 500, onState: (s) => states.push(s) })
    saver.change([{ question_id: 1, keys: ['A'] }])
    saver.change([{ question_id: 1, keys: ['B'] }])
    await vi.advanceTimersByTimeAsync(499)
    expect(save).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    expect(save).toHaveBeenCalledTimes(1)
    expect(calls[0].payload).toEqual([{ question_id: 1, keys: ['B'] }])
    calls[0].resolve()
    await vi.advanceTimersByTimeAsync(0)
    expect(saver.dirty).toBe(false)
    expect(states.at(-1)).toBe('saved')
  })

  it('never has two saves in flight and sends what changed meanwhile afterwards', async () => {
    const { save, calls } = manualSave()
    const saver = createAnswerSaver({ save, delay: 100 })
    saver.change(['first'])
    await vi.advanceTimersByTimeAsync(100)
    saver.change(['second'])
    await vi.advanceTimersByTimeAsync(1000)
    expect(save).toHaveBeenCalledTimes(1) // still waiting for the first
    calls[0].resolve()
    await vi.advanceTimersByTimeAsync(0)
    expect(save).toHaveBeenCalledTimes(2)
    expect(calls[1].payload).toEqual(['second'])
    expect(saver.dirty).toBe(true)
    calls[1].resolve()
    await vi.advanceTimersByTimeAsync(0)
    expect(saver.dirty).toBe(false)
    expect(saver.state).toBe('saved')
  })

  it('retries a save lost to the network with growing waits, sending the newest answers', async () => {
    const { save, calls } = manualSave()
    const states = []
    const saver = createAnswerSaver({ save, delay: 100, retryDelays: [1000, 3000], onState: (s) => states.push(s) })
    saver.change(['a'])
    await vi.advanceTimersByTimeAsync(100)
    calls[0].reject(networkError())
    await vi.advanceTimersByTimeAsync(0)
    expect(saver.state).toBe('retrying')
    saver.change(['a', 'b']) // answering goes on while offline
    await vi.advanceTimersByTimeAsync(999)
    expect(save).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(calls[1].payload).toEqual(['a', 'b'])
    calls[1].reject(problem(503, 'not_ready'))
    await vi.advanceTimersByTimeAsync(2999)
    expect(save).toHaveBeenCalledTimes(2)
    await vi.advanceTimersByTimeAsync(1)
    calls[2].reject(networkError())
    await vi.advanceTimersByTimeAsync(3000) // the last wait repeats
    expect(save).toHaveBeenCalledTimes(4)
    calls[3].resolve()
    await vi.advanceTimersByTimeAsync(0)
    expect(states.at(-1)).toBe('saved')
    expect(saver.dirty).toBe(false)
  })

  it('saves at once on flush, e.g. when the page is hidden or the network is back', async () => {
    const { save, calls } = manualSave()
    const saver = createAnswerSaver({ save, delay: 5000, retryDelays: [60_000] })
    saver.change(['x'])
    saver.flush()
    await vi.advanceTimersByTimeAsync(0)
    expect(save).toHaveBeenCalledTimes(1)
    calls[0].reject(networkError())
    await vi.advanceTimersByTimeAsync(0)
    saver.flush() // online again: no need to wait a minute
    await vi.advanceTimersByTimeAsync(0)
    expect(save).toHaveBeenCalledTimes(2)
  })

  it('stops on a refusal that will not pass', async () => {
    const { save, calls } = manualSave()
    const onState = vi.fn()
    const saver = createAnswerSaver({ save, delay: 10, onState })
    saver.change(['late'])
    await vi.advanceTimersByTimeAsync(10)
    const refusal = problem(422, 'deadline_passed')
    calls[0].reject(refusal)
    await vi.advanceTimersByTimeAsync(0)
    expect(onState).toHaveBeenLastCalledWith('failed', refusal)
    saver.change(['more'])
    await vi.advanceTimersByTimeAsync(10_000)
    expect(save).toHaveBeenCalledTimes(1)
  })

  it('sends nothing after stop', async () => {
    const { save } = manualSave()
    const saver = createAnswerSaver({ save, delay: 10 })
    saver.change(['x'])
    saver.stop()
    await vi.advanceTimersByTimeAsync(100)
    expect(save).not.toHaveBeenCalled()
  })

  it('tells retryable failures from final ones', () => {
    expect(isRetryable(networkError())).toBe(true)
    expect(isRetryable(problem(429, 'rate_limited'))).toBe(true)
    expect(isRetryable(problem(502, ''))).toBe(true)
    expect(isRetryable(problem(409, 'already_submitted'))).toBe(false)
    expect(isRetryable(problem(422, 'invalid_answers'))).toBe(false)
    expect(isRetryable(problem(401, 'session_expired'))).toBe(false)
    expect(isRetryable(null)).toBe(false)
  })
})

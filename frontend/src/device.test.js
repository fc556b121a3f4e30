import { afterEach, describe, expect, it } from 'vitest'
import { DEVICE_ID_KEY, deviceId, isDeviceId, newDeviceId } from './device.js'

describe('device id', () => {
  afterEach(() => localStorage.clear())

  it('makes ids the server accepts', () => {
    const id = newDeviceId()
    expect(id).toHaveLength(24)
    expect(isDeviceId(id)).toBe(true)
    expect(newDeviceId()).not.toBe(id)
    // Every byte value maps into the alphabet.
    const all = newDeviceId((n) => Uint8Array.from({ length: n }, (_, i) => i * 11))
    expect(all).toMatch(/^[A-Za-z0-9_-]{24}$/)
  })

  it('keeps one id per browser', () => {
    const first = deviceId(localStorage)
    expect(localStorage.getItem(DEVICE_ID_KEY)).toBe(first)
    expect(deviceId(localStorage)).toBe(first)
  })

  it('replaces a stored value that is not an id', () => {
    localStorage.setItem(DEVICE_ID_KEY, 'bad id!')
    const id = deviceId(localStorage)
    expect(isDeviceId(id)).toBe(true)
    expect(localStorage.getItem(DEVICE_ID_KEY)).toBe(id)
  })

  it('still gives a stable id for the page view when storage is blocked', () => {
    const blocked = {
      getItem() {
        throw new Error('SecurityError')
      },
      setItem() {
        throw new Error('SecurityError')
      },
    }
    let made = 0
    const make = () => `memory-id-${++made}-abcdefgh`
    const a = deviceId(blocked, make)
    const b = deviceId(blocked, make)
    expect(isDeviceId(a)).toBe(true)
    expect(b).toBe(a)
    expect(made).toBe(1)
  })

  it('rejects ids of the wrong shape', () => {
    expect(isDeviceId('short')).toBe(false)
    expect(isDeviceId('a'.repeat(65))).toBe(false)
    expect(isDeviceId('has space in it 12345')).toBe(false)
    expect(isDeviceId(undefined)).toBe(false)
  })
})

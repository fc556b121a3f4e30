import { describe, expect, it } from 'vitest'
import { isValidPhone, isValidSmsCode, maskPhone, normalizePhone } from './phone.js'

describe('phone helpers', () => {
  it.each([
    ['13812345678', true],
    ['19900000000', true],
    ['138 1234 5678', true],
    ['+86 138-1234-5678', true],
    ['1381234567', false],
    ['138123456789', false],
    ['23812345678', false],
    ['1381234567a', false],
    ['', false],
    [null, false],
  ])('isValidPhone(%s) = %s', (input, want) => {
    expect(isValidPhone(input)).toBe(want)
  })

  it('normalizes separators and the country prefix', () => {
    expect(normalizePhone(' +86 138-1234-5678 ')).toBe('13812345678')
    expect(normalizePhone('0086 13812345678')).toBe('13812345678')
  })

  it('masks the middle four digits', () => {
    expect(maskPhone('13812345678')).toBe('138****5678')
    expect(maskPhone('+86 138 1234 5678')).toBe('138****5678')
  })

  it('never echoes something that is not a phone number', () => {
    expect(maskPhone('12345')).toBe('*****')
    expect(maskPhone('')).toBe('')
  })

  it('accepts only 6-digit codes', () => {
    expect(isValidSmsCode('012345')).toBe(true)
    expect(isValidSmsCode(' 012345 ')).toBe(true)
    expect(isValidSmsCode('12345')).toBe(false)
    expect(isValidSmsCode('12345a')).toBe(false)
  })
})

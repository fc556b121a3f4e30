import { describe, expect, it } from 'vitest'
import { formatPrizeCode, isPrizeCode, normalizePrizeCode, prizeCodeFromScan, prizeCodeProblem, prizeState, typingPrizeCode } from './prizes.js'

describe('prize codes', () => {
  it('accepts codes typed with spaces, dashes and lower case', () => {
    expect(normalizePrizeCode('7k3m-9q2x-hd4p')).toBe('7K3M9Q2XHD4P')
    expect(normalizePrizeCode(' 7K3M 9Q2X HD4P ')).toBe('7K3M9Q2XHD4P')
    expect(normalizePrizeCode('7K3M_9Q2X.HD4P')).toBe('7K3M9Q2XHD4P')
    expect(normalizePrizeCode(null)).toBe('')
  })

  it('reads the letters people confuse with digits as those digits, like the server', () => {
    expect(normalizePrizeCode('o0Il1L')).toBe('001111')
  })

  it('knows a complete code', () => {
    expect(isPrizeCode('7K3M 9Q2X HD4P')).toBe(true)
    expect(isPrizeCode('7K3M 9Q2X HD4')).toBe(false)
    expect(isPrizeCode('7K3M 9Q2X HD4U')).toBe(false) // no U in Crockford base32
    expect(isPrizeCode('7K3M 9Q2X HD4P 1')).toBe(false)
  })

  it('says what is wrong with a typed code', () => {
    expect(prizeCodeProblem('')).toBe('请输入兑奖码')
    expect(prizeCodeProblem('7K3M 9Q2X')).toBe('兑奖码是 12 位，已输入 8 位')
    expect(prizeCodeProblem('7K3M 9Q2X HD4U')).toMatch(/没有字母 U/)
    expect(prizeCodeProblem('7K3M 9Q2X HD4！')).toBe('兑奖码只包含数字和字母')
    expect(prizeCodeProblem('7k3m-9q2x-hd4p')).toBe('')
  })

  it('groups codes by four for reading', () => {
    expect(formatPrizeCode('7K3M9Q2XHD4P')).toBe('7K3M 9Q2X HD4P')
    expect(formatPrizeCode('7k3m9q2xhd4p', '-')).toBe('7K3M-9Q2X-HD4P')
    expect(formatPrizeCode('7K3M9')).toBe('7K3M 9')
    expect(formatPrizeCode('')).toBe('')
  })

  it('formats while typing, dropping anything past twelve characters', () => {
    expect(typingPrizeCode('7k3m9')).toBe('7K3M 9')
    expect(typingPrizeCode('7k3m-9q2x-hd4p-zz')).toBe('7K3M 9Q2X HD4P')
    expect(typingPrizeCode('7k3m!')).toBe('7K3M')
  })

  it('names the redemption state', () => {
    expect(prizeState({ redeemed: true })).toBe('已兑换')
    expect(prizeState({ redeemed: false })).toBe('待兑换')
  })
})

describe('prizeCodeFromScan', () => {
  it('reads the code from the redeem address the prize QR holds', () => {
    expect(prizeCodeFromScan('https://wuzha.example.gov.cn/staff/redeem?code=7K3M9Q2XHD4P')).toBe('7K3M9Q2XHD4P')
  })
  it('takes a bare code, normalized', () => {
    expect(prizeCodeFromScan(' 7k3m-9q2x-hd4p ')).toBe('7K3M9Q2XHD4P')
  })
  it('refuses other QR codes', () => {
    expect(prizeCodeFromScan('https://wuzha.example.gov.cn/join/1234567890')).toBe('')
    expect(prizeCodeFromScan('https://example.com/?code=SHORT')).toBe('')
    expect(prizeCodeFromScan('http://[bad')).toBe('')
    expect(prizeCodeFromScan('')).toBe('')
  })
})

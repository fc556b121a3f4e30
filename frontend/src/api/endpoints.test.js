import { afterEach, describe, expect, it, vi } from 'vitest'
import { api, createClient } from '../api.js'
import { path, withQuery } from './url.js'
import * as assessment from './assessment.js'
import * as attempts from './attempts.js'
import * as areas from './areas.js'
import * as quizzes from './quizzes.js'
import * as sessions from './sessions.js'
import * as supervision from './supervision.js'
import * as users from './users.js'
import * as warnings from './warnings.js'

afterEach(() => vi.restoreAllMocks())

describe('path', () => {
  it.each([
    [['warnings', 12, 'reach'], '/warnings/12/reach'],
    [['sessions', 'join', 'a/b'], '/sessions/join/a%2Fb'],
    [['areas', '3308 02'], '/areas/3308%2002'],
    [['warnings', '1?x=2#y'], '/warnings/1%3Fx%3D2%23y'],
    [['assessment', '2026Q3', '330802'], '/assessment/2026Q3/330802'],
    [['users', '...'], '/users/...'],
  ])('path(%j) is %s', (segments, want) => {
    expect(path(...segments)).toBe(want)
  })

  it.each(['.', '..'])('refuses the dot segment %j, which the URL parser would resolve away', (seg) => {
    expect(() => path('users', seg, 'unlock-login')).toThrow(/not allowed/)
  })

  it('keeps a missing segment visible instead of dropping it', () => {
    expect(path('quizzes', undefined, 'stats')).toBe('/quizzes//stats')
  })
})

describe('withQuery', () => {
  it('leaves out empty values and encodes the rest', () => {
    expect(withQuery('/questions', { kind: '', status: 'in_review', cursor: null, q: 'a&b' })).toBe('/questions?status=in_review&q=a%26b')
  })
  it('adds nothing when nothing is left', () => {
    expect(withQuery('/audit', { action: '' })).toBe('/audit')
  })
})

describe('endpoint functions', () => {
  it.each([
    ['warnings.reach', () => warnings.reach('7/../1'), 'get', '/warnings/7%2F..%2F1/reach'],
    ['warnings.versions', () => warnings.versions(3), 'get', '/warnings/3/versions'],
    ['warnings.step', () => warnings.step(3, 'approve'), 'post', '/warnings/3/approve'],
    ['warnings.archive', () => warnings.archive(3), 'post', '/warnings/3/archive'],
    ['quizzes.stats', () => quizzes.stats('9'), 'get', '/quizzes/9/stats'],
    ['quizzes.completion', () => quizzes.completion(9), 'get', '/quizzes/9/completion'],
    ['sessions.join', () => sessions.join('AB 12'), 'get', '/sessions/join/AB%2012'],
    ['sessions.close', () => sessions.close(4), 'post', '/sessions/4/close'],
    ['areas.get', () => areas.get('330802'), 'get', '/areas/330802'],
    ['users.unlockLogin', () => users.unlockLogin(5), 'post', '/users/5/unlock-login'],
    ['supervision.get', () => supervision.get(4), 'get', '/rectifications/4'],
    ['supervision.returnItem', () => supervision.returnItem(4, '材料不全'), 'post', '/rectifications/4/return'],
    ['supervision.approveExtension', () => supervision.approveExtension('4'), 'post', '/rectifications/4/extension/approve'],
    ['supervision.notice', () => supervision.notice('2/..'), 'get', '/notices/2%2F..'],
    ['supervision.updateUnit', () => supervision.updateUnit(7, { name: 'x' }), 'patch', '/units/7'],
    ['assessment.history', () => assessment.history('2026Q3', '3308/02'), 'get', '/assessment/2026Q3/3308%2F02/history'],
  ])('%s calls %s %s', async (_, call, method, want) => {
    const spy = vi.spyOn(api, method).mockResolvedValue({})
    await call()
    expect(spy).toHaveBeenCalledTimes(1)
    expect(spy.mock.calls[0][0]).toBe(want)
  })

  it('sends the filters of a list as query parameters', async () => {
    const spy = vi.spyOn(api, 'get').mockResolvedValue({ items: [] })
    await warnings.list({ status: 'draft', limit: 20, cursor: '' })
    expect(spy).toHaveBeenCalledWith('/warnings', { status: 'draft', limit: 20, cursor: '' })
  })

  it('asks for a locked version only when one is named', async () => {
    const spy = vi.spyOn(api, 'get').mockResolvedValue({})
    await assessment.verify('2026Q3', '330802')
    await assessment.verify('2026Q3', '330802', 2)
    expect(spy.mock.calls[0]).toEqual(['/assessment/2026Q3/330802/verify', undefined])
    expect(spy.mock.calls[1]).toEqual(['/assessment/2026Q3/330802/verify', { version: 2 }])
  })

  it('submits an attempt with its idempotency key', async () => {
    const spy = vi.spyOn(api, 'request').mockResolvedValue({})
    await attempts.submit(8, { answers: [] }, 'key-1')
    expect(spy).toHaveBeenCalledWith('POST', '/attempts/8/submit', { body: { answers: [] }, headers: { 'Idempotency-Key': 'key-1' } })
  })

  it('gives the grid poster QR code an address below the API', () => {
    expect(areas.gridQrUrl('330802001001')).toBe('/api/v1/grids/330802001001/qr.svg')
  })
})

describe('an endpoint path through the client', () => {
  it('reaches fetch encoded once, with the query after it', async () => {
    const fetchImpl = vi.fn(async () => new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } }))
    const client = createClient({ fetchImpl, tokens: { access: () => '', refresh: () => '', save() {}, clear() {} } })
    await client.get(path('awareness', '3308 02', 'grids'), { period: '2026-07' })
    expect(fetchImpl.mock.calls[0][0]).toBe('/api/v1/awareness/3308%2002/grids?period=2026-07')
  })
})

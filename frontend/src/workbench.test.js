import { describe, expect, it } from 'vitest'
import { TODOS, todoItems, totalTodos } from './workbench.js'

describe('todoItems', () => {
  it('names and links each to-do, keeping the server order and counts', () => {
    const items = todoItems({ todos: [{ key: 'warnings_in_review', count: 2 }, { key: 'questions_in_review', count: 0 }] })
    expect(items).toEqual([
      { key: 'warnings_in_review', label: '待审核预警', hint: TODOS.warnings_in_review.hint, count: 2, to: '/staff/review', warn: false },
      { key: 'questions_in_review', label: '待审核题目', hint: TODOS.questions_in_review.hint, count: 0, to: '/staff/review?tab=questions', warn: false },
    ])
  })

  it('leaves out keys it does not know', () => {
    expect(todoItems({ todos: [{ key: 'something_new', count: 5 }] })).toEqual([])
    expect(todoItems(null)).toEqual([])
  })

  it('links the periods ready to lock to the first of them', () => {
    const [item] = todoItems({ todos: [{ key: 'ready_to_lock', count: 2 }], ready_to_lock: [{ period: '2026Q3' }, { period: '2026Q2' }] })
    expect(item.to).toBe('/staff/assessment?period=2026Q3')
    expect(todoItems({ todos: [{ key: 'ready_to_lock', count: 0 }] })[0].to).toBe('/staff/assessment')
  })

  it('marks what is overdue or rejected only when there is some', () => {
    const items = todoItems({ todos: [{ key: 'overdue', count: 1 }, { key: 'rejected', count: 0 }] })
    expect(items.map((i) => i.warn)).toEqual([true, false])
  })
})

describe('totalTodos', () => {
  it('adds up what waits, not the good news', () => {
    expect(totalTodos({ todos: [{ key: 'drafts', count: 2 }, { key: 'approved', count: 5 }, { key: 'rejected', count: 1 }] })).toBe(3)
  })
})

// The parts the console's edit pages are built from, in one import.
export { default as ChoiceChips } from './ChoiceChips.vue'
export { default as DateTimeInput } from './DateTimeInput.vue'
export { default as EditHead } from './EditHead.vue'
export { default as FormRow } from './FormRow.vue'
export { default as LoadState } from './LoadState.vue'
export { default as MultiChoiceChips } from './MultiChoiceChips.vue'
export { default as SaveBar } from './SaveBar.vue'

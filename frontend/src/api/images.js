// 图片: images editors put into warnings, re-encoded and served by the server.
import { api } from '../api.js'

/** upload sends an image; the answer is {url, width, height, content_type, size}. */
export const upload = (file) => api.upload('/images', file)

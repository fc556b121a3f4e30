// A fake camera for the browser tests: Chromium plays a Y4M file as the
// camera (--use-file-for-fake-video-capture). y4mFromImage draws a picture
// (here a prize QR code, as PNG bytes) centred on a white 640×480 frame in
// a browser page, reads the frame's pixels back and writes them as a
// YUV 4:2:0 video of a few identical frames.
import { writeFile } from 'node:fs/promises'

const W = 640
const H = 480

/**
 * y4mFromImage writes file, a Y4M video showing the PNG image (bytes)
 * `size` pixels wide in the middle of a white frame; browser decodes it.
 */
export async function y4mFromImage(browser, png, file, { size = 360, frames = 5 } = {}) {
  const context = await browser.newContext()
  const page = await context.newPage()
  const dataURL = `data:image/png;base64,${Buffer.from(png).toString('base64')}`
  const rgba = await page.evaluate(
    async ({ dataURL, W, H, size }) => {
      const img = new Image()
      img.src = dataURL
      await img.decode()
      const c = document.createElement('canvas')
      c.width = W
      c.height = H
      const ctx = c.getContext('2d')
      ctx.fillStyle = '#fff'
      ctx.fillRect(0, 0, W, H)
      ctx.imageSmoothingEnabled = false
      ctx.drawImage(img, (W - size) / 2, (H - size) / 2, size, size)
      return Array.from(ctx.getImageData(0, 0, W, H).data)
    },
    { dataURL, W, H, size },
  )
  await context.close()
  // Luma from RGB (BT.601); the picture is black and white, so chroma is flat.
  const y = Buffer.alloc(W * H)
  for (let i = 0; i < W * H; i++) {
    const [r, g, b] = [rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]]
    y[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b)
  }
  const chroma = Buffer.alloc((W / 2) * (H / 2), 128)
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, chroma, chroma])
  const header = Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`)
  await writeFile(file, Buffer.concat([header, ...Array(frames).fill(frame)]))
  return file
}

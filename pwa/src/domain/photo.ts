// Photo evidence on the device: a camera picture is shrunk to about 1,600 px on its long edge with
// its EXIF orientation applied, re-encoded as JPEG, and its SHA-256 computed, so the server receives
// (and the report shows) exactly the bytes the device hashed. Capture time and place are recorded
// with it. No UI imports.

export const MAX_EDGE = 1600
export const JPEG_QUALITY = 0.85
// The app's own limits on a camera picture before it is shrunk: what a phone can decode and scale.
// They are not the server's upload limits, which apply to the shrunk JPEG.
/** Camera pictures larger than this are refused before decoding (the server limit is 20 MB). */
export const MAX_INPUT_BYTES = 40 * 1024 * 1024
/** Enough for the full-resolution mode of a 50-megapixel camera (8192 × 6144). */
export const MAX_INPUT_PIXELS = 64_000_000

export class PhotoError extends Error {
  override readonly name = 'PhotoError'

  constructor(
    readonly code: 'photo.too_large' | 'photo.not_an_image' | 'photo.too_many_pixels',
    message: string,
  ) {
    super(message)
  }
}

/** Size that fits `maxEdge` on the long side, keeping the aspect ratio; never enlarges. */
export function fitWithin(width: number, height: number, maxEdge: number = MAX_EDGE): { width: number; height: number } {
  const long = Math.max(width, height)
  if (long <= maxEdge) return { width, height }
  const scale = maxEdge / long
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}

export async function sha256Hex(data: Blob | ArrayBuffer): Promise<string> {
  const buffer = data instanceof Blob ? await data.arrayBuffer() : data
  const digest = await crypto.subtle.digest('SHA-256', buffer)
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

export interface ShrunkPhoto {
  blob: Blob
  width: number
  height: number
  sha256: string
  /** Milliseconds spent decoding, scaling, encoding and hashing. */
  elapsedMs: number
}

async function encode(bitmap: ImageBitmap, quality: number): Promise<Blob> {
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height)
    const context = canvas.getContext('2d')
    if (!context) throw new Error('no 2d context')
    context.drawImage(bitmap, 0, 0)
    return canvas.convertToBlob({ type: 'image/jpeg', quality })
  }
  const canvas = document.createElement('canvas')
  canvas.width = bitmap.width
  canvas.height = bitmap.height
  const context = canvas.getContext('2d')
  if (!context) throw new Error('no 2d context')
  context.drawImage(bitmap, 0, 0)
  return new Promise<Blob>((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('JPEG encoding failed'))), 'image/jpeg', quality)
  })
}

/**
 * Decodes a picture with its EXIF orientation applied (`imageOrientation: 'from-image'`), scales
 * it to fit `maxEdge` in the decoder itself (high quality), encodes a JPEG and hashes it.
 */
export async function shrinkPhoto(file: Blob, maxEdge: number = MAX_EDGE, quality: number = JPEG_QUALITY): Promise<ShrunkPhoto> {
  const started = performance.now()
  if (file.size > MAX_INPUT_BYTES) throw new PhotoError('photo.too_large', '照片文件过大')
  let full: ImageBitmap
  try {
    full = await createImageBitmap(file, { imageOrientation: 'from-image' })
  } catch {
    throw new PhotoError('photo.not_an_image', '无法读取该图片')
  }
  let scaled: ImageBitmap
  try {
    if (full.width * full.height > MAX_INPUT_PIXELS) throw new PhotoError('photo.too_many_pixels', '照片像素过多，请用相机的标准画质重拍')
    const size = fitWithin(full.width, full.height, maxEdge)
    scaled =
      size.width === full.width && size.height === full.height
        ? full
        : await createImageBitmap(full, { resizeWidth: size.width, resizeHeight: size.height, resizeQuality: 'high' })
  } catch (err) {
    full.close() // tens of megabytes: release at once
    throw err
  }
  try {
    const blob = await encode(scaled, quality)
    const sha256 = await sha256Hex(blob)
    const result = { blob, width: scaled.width, height: scaled.height, sha256, elapsedMs: performance.now() - started }
    performance.measure('photo.shrink', { start: started, end: performance.now() })
    return result
  } finally {
    scaled.close()
    if (scaled !== full) full.close()
  }
}

export interface Place {
  latitude: number
  longitude: number
  accuracy: number
}

/** The device's position, or null when refused, unavailable or slower than `timeoutMs`. */
export function currentPosition(timeoutMs: number = 8_000): Promise<Place | null> {
  if (typeof navigator === 'undefined' || !('geolocation' in navigator)) return Promise.resolve(null)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs + 500)
    navigator.geolocation.getCurrentPosition(
      (position) => {
        clearTimeout(timer)
        resolve({
          latitude: position.coords.latitude,
          longitude: position.coords.longitude,
          accuracy: position.coords.accuracy,
        })
      },
      () => {
        clearTimeout(timer)
        resolve(null)
      },
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60_000 },
    )
  })
}

/** Local time with its UTC offset (ISO 8601), as the server expects a device's capture time. */
export function localIsoTime(date: Date = new Date()): string {
  const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, '0')
  const offset = -date.getTimezoneOffset()
  const sign = offset >= 0 ? '+' : '-'
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  )
}

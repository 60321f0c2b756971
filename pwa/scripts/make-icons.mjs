// Writes the app icons (public/pwa-192x192.png, public/pwa-512x512.png) without any image library:
// a teal square with a white check mark, encoded as an RGBA PNG by hand. Run `npm run icons` after
// changing the design; the PNGs are committed, so builds do not depend on this script.
import { deflateSync } from 'node:zlib'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const BACKGROUND = [0x19, 0x89, 0xfa] // Vant primary blue, matches the manifest theme_color
const FOREGROUND = [0xff, 0xff, 0xff]

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buf) {
  let c = 0xffffffff
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

function distanceToSegment(px, py, ax, ay, bx, by) {
  const dx = bx - ax
  const dy = by - ay
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy))
}

function icon(size) {
  // Check mark in unit coordinates, kept inside the central 60 % so a maskable crop keeps it whole.
  const a = [0.3, 0.52]
  const b = [0.44, 0.66]
  const c = [0.71, 0.36]
  const half = 0.055
  const rows = []
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4) // leading 0 = filter "none"
    for (let x = 0; x < size; x++) {
      const u = (x + 0.5) / size
      const v = (y + 0.5) / size
      const d = Math.min(distanceToSegment(u, v, ...a, ...b), distanceToSegment(u, v, ...b, ...c))
      // One pixel of anti-aliasing at the stroke edge.
      const cover = Math.max(0, Math.min(1, (half - d) * size + 0.5))
      for (let i = 0; i < 3; i++) {
        row[1 + x * 4 + i] = Math.round(BACKGROUND[i] * (1 - cover) + FOREGROUND[i] * cover)
      }
      row[1 + x * 4 + 3] = 0xff
    }
    rows.push(row)
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 8 // bit depth
  header[9] = 6 // colour type RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

for (const size of [192, 512]) {
  const out = fileURLToPath(new URL(`../public/pwa-${size}x${size}.png`, import.meta.url))
  writeFileSync(out, icon(size))
  console.log(`wrote ${out}`)
}

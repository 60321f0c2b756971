// Taking photos from the camera, as the item page (evidence) and the rectification page (fixes)
// both do: the place is asked for while the camera is open, each picture is shrunk and hashed on
// the device (domain/photo), and `keep` writes it with its capture time and place. Object URLs of
// the kept photos are made once and revoked when the page goes away.
import { onBeforeUnmount, ref, type Ref } from 'vue'
import { showNotify } from 'vant'
import { newId } from '../data/local'
import type { FixPhotoRow } from '../db'
import { currentPosition, localIsoTime, PhotoError, shrinkPhoto, type Place, type ShrunkPhoto } from '../domain/photo'

export interface Capture {
  shrunk: ShrunkPhoto
  /** When it was taken, device local time with its offset. */
  capturedAt: string
  place: Place | null
}

/** What a kept photo's device row holds besides its owner (inspection item or rectification task):
 * a fresh upload id, the shrunk bytes with their digest and size, when and where, not yet sent. */
export function photoFields(capture: Capture): Omit<FixPhotoRow, 'taskId'> {
  const { shrunk, capturedAt, place } = capture
  return {
    uploadId: newId(),
    blob: shrunk.blob,
    sha256: shrunk.sha256,
    width: shrunk.width,
    height: shrunk.height,
    size: shrunk.blob.size,
    capturedAt,
    latitude: place?.latitude ?? null,
    longitude: place?.longitude ?? null,
    createdAt: new Date().toISOString(),
    state: 'pending',
    serverId: null,
    flags: [],
  }
}

export function usePhotoCapture(keep: (capture: Capture) => Promise<void>): {
  fileInput: Ref<HTMLInputElement | null>
  processing: Ref<number>
  take: () => void
  onFiles: (event: Event) => Promise<void>
  urlOf: (photo: { uploadId: string; blob: Blob }) => string
} {
  const fileInput = ref<HTMLInputElement | null>(null)
  const processing = ref(0)
  const urls = new Map<string, string>()
  let positionRequest: Promise<Place | null> | null = null

  onBeforeUnmount(() => {
    for (const url of urls.values()) URL.revokeObjectURL(url)
  })

  function urlOf(photo: { uploadId: string; blob: Blob }): string {
    let url = urls.get(photo.uploadId)
    if (!url) {
      url = URL.createObjectURL(photo.blob)
      urls.set(photo.uploadId, url)
    }
    return url
  }

  function take(): void {
    positionRequest = currentPosition() // ask while the camera is open
    fileInput.value?.click()
  }

  async function onFiles(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement
    const files = Array.from(input.files ?? [])
    input.value = ''
    const place = await (positionRequest ?? currentPosition())
    positionRequest = null
    for (const file of files) {
      processing.value += 1
      const capturedAt = localIsoTime(new Date())
      try {
        await keep({ shrunk: await shrinkPhoto(file), capturedAt, place })
      } catch (err) {
        if (err instanceof PhotoError) showNotify({ type: 'danger', message: err.message })
        else throw err
      } finally {
        processing.value -= 1
      }
    }
  }

  return { fileInput, processing, take, onFiles, urlOf }
}

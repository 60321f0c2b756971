// The sync engine's view of the server, over the app's API client. Photo uploads use
// XMLHttpRequest because fetch() reports no upload progress.
import { ApiError, authHeaders, getBootstrap, getMe, OfflineError, parseJson, pushChanges, submitRectification, toApiError } from '../api/client'
import type { EvidenceOut, RectificationPhotoOut } from '../api/types'
import type { FixPhotoRow, PhotoRow } from '../db'
import type { SyncTransport } from './engine'

const PROBE_TIMEOUT_MS = 5_000
const UPLOAD_TIMEOUT_MS = 120_000

export function uploadPhoto(photo: PhotoRow, onProgress: (loaded: number, total: number) => void): Promise<EvidenceOut> {
  const url = `/api/inspections/${photo.inspectionId}/items/${encodeURIComponent(photo.itemId)}/evidence`
  return postPhoto<EvidenceOut>(url, photo, onProgress)
}

/** A photo of a rectification's fix: the same form and checks as inspection evidence. */
export function uploadFixPhoto(photo: FixPhotoRow, onProgress: (loaded: number, total: number) => void): Promise<RectificationPhotoOut> {
  return postPhoto<RectificationPhotoOut>(`/api/rectifications/${photo.taskId}/photos`, photo, onProgress)
}

type UploadedPhoto = Pick<PhotoRow, 'blob' | 'uploadId' | 'sha256' | 'capturedAt' | 'latitude' | 'longitude'>

function postPhoto<T>(url: string, photo: UploadedPhoto, onProgress: (loaded: number, total: number) => void): Promise<T> {
  const form = new FormData()
  form.append('file', photo.blob, `${photo.uploadId}.jpg`)
  form.append('upload_id', photo.uploadId)
  form.append('sha256', photo.sha256)
  form.append('captured_at', photo.capturedAt)
  if (photo.latitude !== null && photo.longitude !== null) {
    form.append('latitude', String(photo.latitude))
    form.append('longitude', String(photo.longitude))
  }
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    xhr.timeout = UPLOAD_TIMEOUT_MS
    xhr.setRequestHeader('Accept', 'application/json')
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value)
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total)
    }
    xhr.onerror = () => reject(new OfflineError('network request failed'))
    xhr.ontimeout = () => reject(new OfflineError(`timed out after ${UPLOAD_TIMEOUT_MS} ms`))
    xhr.onabort = () => reject(new OfflineError('upload aborted'))
    xhr.onload = () => {
      let payload: unknown
      try {
        payload = parseJson(xhr.responseText)
      } catch {
        payload = null
      }
      if (xhr.status >= 200 && xhr.status < 300 && payload !== null) {
        resolve(payload as T)
      } else if (payload === null) {
        reject(new OfflineError(`expected JSON from the upload, got HTTP ${xhr.status}`))
      } else {
        const error: ApiError = toApiError(xhr.status, payload)
        reject(error)
      }
    }
    xhr.send(form)
  })
}

export const httpTransport: SyncTransport = {
  async probe() {
    await getMe({ timeoutMs: PROBE_TIMEOUT_MS })
  },
  push: pushChanges,
  upload: uploadPhoto,
  bootstrap: getBootstrap,
  uploadFix: uploadFixPhoto,
  submitFix: submitRectification,
}

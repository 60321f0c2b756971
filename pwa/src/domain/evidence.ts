// The photo minimum, the twin of server/domain/evidence.py `needs_more_photos`: both are proven
// equal on the cases of tests/vectors/photo_minimum.json (evidence.test.ts and
// tests/domain/test_photo_minimum.py read the same file). Pure: works offline on the device.
import { NOT_APPLICABLE } from './scoring'

/** Whether an item still lacks evidence: answered and counting (neither unanswered nor not
 * applicable) with fewer photos than its checklist asks for. */
export function needsMorePhotos(photosMin: number, outcome: string | null, photos: number): boolean {
  return outcome !== null && outcome !== NOT_APPLICABLE && photos < photosMin
}

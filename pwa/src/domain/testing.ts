// The shipped checklist definitions the tests read, typed as the server publishes them. A JSON
// import widens its strings (family: string), so each is stated to be a definition here, once.
import docsTest from '../../../checklists/examples/checklists/docs-test.v1.json'
import miniTest from '../../../checklists/examples/checklists/mini-test.v1.json'
import qs from '../../../checklists/quality_service/2023-sample/v1.json'
import vc from '../../../checklists/village_clinic/2022-sample/v1.json'
import type { ChecklistDefinition } from './checklist'

export const MINI_TEST = miniTest as ChecklistDefinition
/** Items with several documents (a licence with its expiry, reports with their age). */
export const DOCS_TEST = docsTest as ChecklistDefinition
export const QUALITY_SERVICE_SAMPLE = qs as ChecklistDefinition
export const VILLAGE_CLINIC_SAMPLE = vc as ChecklistDefinition

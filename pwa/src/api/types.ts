// Short names for the server's wire types. Every type here is generated (generated/api.ts, from the
// server's OpenAPI document by `make generate`); this module only names them. A type that is wrong
// is fixed in the server's schemas (server/api/schemas.py), never here.

import type { components, paths } from '../generated/api'
import type { DabiaoChecklistDefinition } from '../generated/checklist'

type Schemas = components['schemas']

/**
 * A published checklist definition. The OpenAPI document describes it as an object whose schema is
 * checklists/schema/checklist.schema.json; its type is generated from that file (generated/checklist.ts).
 */
export type ChecklistDefinition = DabiaoChecklistDefinition

export type UserOut = Schemas['UserOut']
export type LoginIn = Schemas['LoginIn']
export type LoginOut = Schemas['LoginOut']
export type Role = UserOut['role']

export type RegionOut = Schemas['RegionOut']
export type RegionLevelOut = Schemas['RegionLevelOut']
export type FacilityOut = Schemas['FacilityOut']
export type FacilityPageOut = Schemas['FacilityPageOut']
export type FacilityQuery = NonNullable<paths['/api/facilities']['get']['parameters']['query']>
export type ChecklistRefOut = Schemas['ChecklistRefOut']

export type InspectionOut = Schemas['InspectionOut']
export type InspectionPageOut = Schemas['InspectionPageOut']
export type InspectionStatus = InspectionOut['status']
export type InspectionKind = InspectionOut['kind']
export type InspectionCreateIn = Schemas['InspectionCreateIn']
export type InspectionDetailOut = Schemas['InspectionDetailOut']
export type StatusChangeOut = Schemas['StatusChangeOut']
export type LastChangeOut = Schemas['LastChangeOut']
export type TransitionIn = Schemas['TransitionIn']
export type TransitionAction = StatusChangeOut['action']
export type QueueOut = Schemas['QueueOut']
export type QueueRowOut = Schemas['QueueRowOut']

/** An answer as the server holds it (sync bootstrap, conflict resolution). */
export type ServerAnswer = Schemas['StoredAnswerOut']
/** An answer in the inspection's detail: with its source and author. */
export type DetailAnswerOut = Schemas['DetailAnswerOut']
export type AnswerValuesOut = Schemas['AnswerValuesOut']
export type RegradeIn = Schemas['RegradeIn']
export type AnswerOut = Schemas['AnswerOut']
export type RevisionOut = Schemas['RevisionOut']

export type ConflictOut = Schemas['ConflictOut']
export type ResolveIn = Schemas['ResolveIn']
export type ConflictResolution = NonNullable<ResolveIn['resolution']>
export type ResolveOut = Schemas['ResolveOut']

export type AssignmentOut = Schemas['AssignmentOut']
/** The sync bootstrap, its definitions typed by their JSON Schema (see ChecklistDefinition). */
export type BootstrapOut = Omit<Schemas['BootstrapOut'], 'checklists'> & {
  checklists: Record<string, ChecklistDefinition>
}
export type ChangeIn = Schemas['ChangeIn']
export type SyncIn = Schemas['SyncIn']
export type ReceiptOut = Schemas['ReceiptOut']
export type SyncOut = Schemas['SyncOut']

export type EvidenceOut = Schemas['EvidenceOut']

export type ScoreOut = Schemas['ScoreOut']

/** GET /healthz (200, or 503 with the same body when a component is down). */
export type HealthOut = Schemas['HealthOut']
export type HealthComponents = Schemas['HealthComponentsOut']

export type ErrorBody = Schemas['ErrorBody']
export type ErrorProblem = Schemas['ErrorProblem']

/** A background job (a payout sheet, a report rendered ahead), as GET /api/jobs/{id} answers it. */
export type JobOut = Schemas['JobOut']
export type JobState = JobOut['state']
export type JobPageOut = Schemas['JobPageOut']
export type PayoutSheetRequest = Schemas['PayoutSheetRequest']
export type ResultsExportRequest = Schemas['ResultsExportRequest']

/** A user account as the console manages it (GET /api/users). */
export type AccountOut = Schemas['AccountOut']
export type AccountPageOut = Schemas['AccountPageOut']
export type AccountQuery = NonNullable<paths['/api/users']['get']['parameters']['query']>
export type AccountIn = Schemas['AccountIn']
export type AccountChangeIn = Schemas['AccountChangeIn']
/** An account with the one-time password just set for it: shown once. */
export type IssuedOut = Schemas['IssuedOut']
export type PasswordChangeIn = Schemas['PasswordChangeIn']

/** A spreadsheet as an import would take it: its rows, every problem, what it would add. */
export type ImportPreviewOut = Schemas['ImportPreviewOut']
export type ImportResultOut = Schemas['ImportResultOut']

/** The console's audit log (GET /api/audit/log). */
export type AuditLogOut = Schemas['AuditLogOut']
export type AuditLogEntryOut = Schemas['AuditLogEntryOut']
export type AuditLogQuery = NonNullable<paths['/api/audit/log']['get']['parameters']['query']>

export type FacilityRowOut = Schemas['FacilityRowOut']
export type TierOptionOut = Schemas['TierOptionOut']

export type PlanIn = Schemas['PlanIn']
export type PlanEntryIn = Schemas['PlanEntryIn']
export type PlanOut = Schemas['PlanOut']
export type PlanPageOut = Schemas['PlanPageOut']
export type PlanQuery = NonNullable<paths['/api/plans']['get']['parameters']['query']>

export type RectificationOut = Schemas['RectificationOut']
export type RectificationStatus = RectificationOut['status']
export type RectificationPhotoOut = Schemas['RectificationPhotoOut']
export type RectificationEventOut = Schemas['RectificationEventOut']
export type RectificationPageOut = Schemas['RectificationPageOut']
export type RectificationCountsOut = Schemas['RectificationCountsOut']
export type RectificationSubmitIn = Schemas['RectificationSubmitIn']
export type RectificationDecisionIn = Schemas['RectificationDecisionIn']
export type RectificationQuery = NonNullable<paths['/api/rectifications']['get']['parameters']['query']>
export type PlanDetailOut = Schemas['PlanDetailOut']
export type PlanEntryOut = Schemas['PlanEntryOut']
export type PlanEntryChangeIn = Schemas['PlanEntryChangeIn']
export type PlanProgress = PlanEntryOut['progress']
export type PlanListOut = Schemas['PlanListOut']
export type PlanListRowOut = Schemas['PlanListRowOut']
export type FacilityProfileOut = Schemas['FacilityProfileOut']
export type FacilityHistoryOut = Schemas['FacilityHistoryOut']
export type FacilityFactOut = Schemas['FacilityFactOut']
export type FacilityFactsOut = Schemas['FacilityFactsOut']
export type PayoutRulesOut = Schemas['PayoutRulesOut']
export type PayoutRuleOut = Schemas['PayoutRuleOut']
export type PayoutRuleIn = Schemas['PayoutRuleIn']
export type PayoutPreviewOut = Schemas['PayoutPreviewOut']
export type PayoutRecordOut = Schemas['PayoutRecordOut']
export type PayoutRecordingOut = Schemas['PayoutRecordingOut']
export type PayoutHeldOut = Schemas['PayoutHeldOut']
export type PayoutSettingsOut = Schemas['PayoutSettingsOut']
export type IssuingBodyOut = Schemas['IssuingBodyOut']
export type PublicationPreviewQuery = NonNullable<paths['/api/publications/preview']['get']['parameters']['query']>
export type PublicationPreviewOut = Schemas['PublicationPreviewOut']
export type PublicationResultOut = Schemas['PublicationResultOut']
export type PublicationIn = Schemas['PublicationIn']
export type PublicationOut = Schemas['PublicationOut']
export type PublicationPageOut = Schemas['PublicationPageOut']
export type PublicationQuery = NonNullable<paths['/api/publications']['get']['parameters']['query']>
export type PublicationDetailOut = Schemas['PublicationDetailOut']
export type PublicationEntryOut = Schemas['PublicationEntryOut']
export type ObjectionOut = Schemas['ObjectionOut']
export type ObjectionIn = Schemas['ObjectionIn']
export type ObjectionDecisionIn = Schemas['ObjectionDecisionIn']
export type SampleIn = Schemas['SampleIn']
export type SampleOut = Schemas['SampleOut']
export type DashboardOut = Schemas['DashboardOut']
export type DashboardRowOut = Schemas['DashboardRowOut']
export type DashboardShareOut = Schemas['DashboardShareOut']
export type DashboardItemOut = Schemas['DashboardItemOut']
export type DashboardQuery = NonNullable<paths['/api/dashboard']['get']['parameters']['query']>
export type DashboardFacilityQuery = NonNullable<paths['/api/dashboard/facilities']['get']['parameters']['query']>
export type DashboardFacilityPageOut = Schemas['DashboardFacilityPageOut']
export type DashboardFacilityOut = Schemas['DashboardFacilityOut']
export type DashboardTargetIn = Schemas['DashboardTargetIn']
export type DashboardTargetSetOut = Schemas['DashboardTargetSetOut']

/* eslint-disable */
// Generated from checklists/schema/checklist.schema.json by json-schema-to-typescript (make generate): do not edit.

export type Text = string;
export type GradeCode = string;
/**
 * A condition on facility facts.
 */
export type Condition =
  | {
      fact: string;
      op: "eq" | "ne" | "gt" | "gte" | "lt" | "lte";
      value: boolean | number | string;
    }
  | {
      /**
       * @minItems 1
       */
      all: Condition[];
    }
  | {
      /**
       * @minItems 1
       */
      any: Condition[];
    }
  | {
      not: Condition;
    };
export type Rule = {
  rule: "all_at_least" | "share_at_least" | "count_at_least" | "points_share_at_least" | "points_at_least";
  label: Text;
  /**
   * A condition on facility facts.
   */
  when?:
    | {
        fact: string;
        op: "eq" | "ne" | "gt" | "gte" | "lt" | "lte";
        value: boolean | number | string;
      }
    | {
        /**
         * @minItems 1
         */
        all: Condition[];
      }
    | {
        /**
         * @minItems 1
         */
        any: Condition[];
      }
    | {
        not: Condition;
      };
  [k: string]: unknown;
};
export type Code = string;
/**
 * One of several documents of an item: its key (unique within the item; the answer's documents map uses it), its Chinese name, and how it must be in force.
 */
export type DocumentValidity =
  | {
      key: string;
      kind: "max_age";
      document: Text;
      max_age_months: number;
    }
  | {
      key: string;
      kind: "valid_until";
      document: Text;
    };

/**
 * One edition and version of an inspection checklist. A published file never changes; a change is a new version.
 */
export interface DabiaoChecklistDefinition {
  $schema?: string;
  /**
   * Stable checklist id, the same for every version of one edition.
   */
  id: string;
  /**
   * A family code listed in checklists/families.json (checked by the validator).
   */
  family: string;
  edition: string;
  version: number;
  title: Text;
  /**
   * True where the content is a realistic sample, not the official text.
   */
  sample?: boolean;
  published_on?: string;
  description?: string;
  /**
   * Days a facility has to rectify each item a finally approved inspection failed (整改期限), unless its plan sets its own; 30 when absent.
   */
  rectification_days?: number;
  scoring: {
    /**
     * graded: C/B/A style levels; points: each level carries points.
     */
    method: "graded" | "points";
    /**
     * false: veto items are left out of every rule's selection (and so of share denominators) unless the rule selects them by `veto: true` or by `items`.
     */
    veto_in_denominators?: boolean;
  };
  /**
   * Grade levels from lowest to highest. 'not_met' and 'not_applicable' are implicit and never listed.
   *
   * @minItems 1
   */
  grade_scale: {
    code: GradeCode;
    label: Text;
  }[];
  /**
   * Facility facts the edition declares: conditions may refer to them, facilities supply them (import columns named by key or label, the API). A value outside [min, max] is refused.
   */
  facts?: {
    key: string;
    type: "boolean" | "integer" | "number" | "string";
    label: Text;
    /**
     * The unit of an integer or number fact, in Chinese (人, 张, 人口).
     */
    unit?: string;
    /**
     * The smallest allowed value of an integer or number fact.
     */
    min?: number;
    /**
     * The largest allowed value of an integer or number fact.
     */
    max?: number;
  }[];
  /**
   * Tiers from lowest to highest; each needs the one before it and all its own rules.
   *
   * @minItems 1
   */
  tiers: Tier[];
  /**
   * @minItems 1
   */
  chapters: Chapter[];
}
export interface Tier {
  code: string;
  label: Text;
  /**
   * The tier is only assessed for facilities that meet this condition.
   */
  applies_if?:
    | {
        fact: string;
        op: "eq" | "ne" | "gt" | "gte" | "lt" | "lte";
        value: boolean | number | string;
      }
    | {
        /**
         * @minItems 1
         */
        all: Condition[];
      }
    | {
        /**
         * @minItems 1
         */
        any: Condition[];
      }
    | {
        not: Condition;
      };
  /**
   * Default reward for reaching this tier; the bureau may override.
   */
  reward_yuan?: number;
  /**
   * @minItems 1
   */
  rules: Rule[];
}
export interface Chapter {
  id: Code;
  number?: string;
  title: Text;
  /**
   * Points scoring: the chapter's points out of the whole. The points earned in the chapter are scaled to it (earned / possible over its applicable items x weight). Either every chapter has a weight or none.
   */
  weight?: number;
  /**
   * @minItems 1
   */
  sections: Section[];
}
export interface Section {
  id: Code;
  number?: string;
  title: Text;
  /**
   * @minItems 1
   */
  items: Item[];
}
export interface Item {
  /**
   * Stable across versions; never reused for a different requirement.
   */
  id: string;
  number?: string;
  text: Text;
  /**
   * How to inspect: what to look at, whom to ask.
   */
  guidance?: string;
  tier: Code;
  /**
   * Codes rules can select items by.
   */
  tags?: Code[];
  core?: boolean;
  /**
   * 一票否决. true: a failed (or unanswered) veto item keeps every tier out of reach. {effect: block, tier}: it keeps that tier (and so the tiers above it) out of reach. {effect: downgrade}: the tier reached is lowered by one (降级), however many such items failed.
   */
  veto?:
    | boolean
    | {
        effect: "block";
        tier: Code;
      }
    | {
        effect: "downgrade";
      };
  /**
   * Recorded and flagged but never part of a tier rule.
   */
  monitoring?: boolean;
  /**
   * The inspector may mark the item not applicable.
   */
  allow_na?: boolean;
  applies_if?: Condition;
  /**
   * @minItems 1
   */
  levels: Level[];
  evidence?: {
    methods?: ("site" | "photo" | "document" | "interview" | "data")[];
    photos_min?: number;
    documents?: Text[];
  };
  /**
   * For document items: the document must be in force at the inspection date, or the item is not met. One document as an object (the answer's document_date / valid_until), or several as a list of documents with keys (the answer's documents map): the item is met only when every one is in force.
   */
  validity?:
    | DocumentValidity[]
    | {
        kind: "max_age";
        document: Text;
        max_age_months: number;
      }
    | {
        kind: "valid_until";
        document: Text;
      };
}
export interface Level {
  code: GradeCode;
  criteria: Text;
  /**
   * Points for reaching this level (points scoring only).
   */
  points?: number;
}

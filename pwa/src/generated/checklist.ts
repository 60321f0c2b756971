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
  rule: "all_at_least" | "share_at_least" | "points_share_at_least";
  label: Text;
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
  family: "quality_service" | "village_clinic" | "big_three";
  edition: string;
  version: number;
  title: Text;
  /**
   * True where the content is a realistic sample, not the official text.
   */
  sample?: boolean;
  published_on?: string;
  description?: string;
  scoring: {
    /**
     * graded: C/B/A style levels; points: each level carries points.
     */
    method: "graded" | "points";
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
   * Facility facts that applicability conditions may refer to.
   */
  facts?: {
    key: string;
    type: "boolean" | "integer" | "number" | "string";
    label: Text;
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
  core?: boolean;
  veto?: boolean;
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

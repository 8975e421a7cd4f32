/**
 * The review API's wire types: the one declaration of what GET /v1/review/queue, POST /v1/review/:kind/:id,
 * GET /v1/review/stats and GET /v1/features/:id return. The server (review/) builds these shapes and the web pages
 * read them, so a field changed here is checked on both sides.
 */
import type { FeatureStatus, ReviewDecision, ReviewItemKind } from '../core/index.ts';

export type { FeatureStatus, ReviewDecision, ReviewItemKind };

/** A crop of one detection that supports a review item (the frames were blurred at ingest). */
export interface ReviewCrop {
  detectionId: number;
  url: string;
  frameUrl: string;
  class: string;
  score: number;
  capturedAt: string | null;
  uploadId: string | null;
}

/** A candidate map feature or a low-confidence detection waiting for review. */
export interface ReviewItem {
  kind: ReviewItemKind;
  id: number;
  class: string;
  value: string | null;
  /** Feature confidence, or detection score. */
  score: number;
  /** Feature status, or `detection`. */
  status: string;
  /** Reviewers disagreed: only seniors see it, first. */
  escalated: boolean;
  votes: number;
  lon: number | null;
  lat: number | null;
  crops: ReviewCrop[];
}

/** GET /v1/review/queue: the next items and the classes a relabel may choose. */
export interface ReviewQueue {
  items: ReviewItem[];
  classes: string[];
}

/** The body of a vote, as a reviewer sends it. */
export type Decision =
  | { decision: 'confirm' }
  | { decision: 'reject' }
  | { decision: 'relabel'; class: string; value: string | null };

/** One vote as settlement sees it. */
export interface VoteLabel {
  decision: ReviewDecision;
  class: string;
  value: string | null;
}

/** The decided outcome of an item. */
export interface Outcome extends VoteLabel {
  by: 'agreement' | 'senior';
}

/** What a vote did (the body of POST /v1/review/:kind/:id). */
export interface VoteResult {
  item: { kind: ReviewItemKind; id: number };
  vote: VoteLabel;
  settled: boolean;
  outcome: Outcome | null;
  escalated: boolean;
}

/** A reviewer's own record (GET /v1/review/stats). */
export interface ReviewStats {
  /** Votes cast. */
  votes: number;
  /** Of those, votes on items that have settled. */
  settled: number;
  /** Of those, votes that agreed with the outcome (and earned a credit). */
  agreed: number;
  /** Review credits booked, in token base units, as a decimal string. */
  credits: string;
}

/** A map feature as GET /v1/features/:id shows it, with frames that saw it. */
export interface FeatureDetails {
  id: number;
  class: string;
  value: string | null;
  confidence: number;
  status: FeatureStatus;
  firstSeenAt: string;
  lastSeenAt: string;
  lon: number;
  lat: number;
  observations: number;
  drives: number;
  votesUp: number;
  votesDown: number;
  frames: Array<{ detectionId: number; frameUrl: string; cropUrl: string; capturedAt: string | null }>;
}

/** The options and results of `matchTrack`. */

/**
 * Options of `matchTrack`. sigmaZ and beta are Newson & Krumm 2009's; the other defaults and where they come from are
 * in roads/README.md ("Matching").
 */
export interface MatchOptions {
  /** GPS noise sigma_z in metres; Newson & Krumm 2009 estimate 4.07 m from their Seattle drive (section 4.1). */
  sigmaZ?: number;
  /**
   * Transition scale beta in metres per second of driving between the two fixes: the paper's 3 m (section 4.2) at its
   * 1 s sampling, growing linearly with the time the vehicle moved in between (stops do not count), plus
   * 1.376 (sigma_z - 4.07 m) for noise beyond the paper's (see README).
   */
  beta?: number;
  /** Candidate search radius, metres (the paper uses 200 m; 50 m keeps the state space small in towns). */
  radiusM?: number;
  /** Nearest pieces kept per fix. */
  maxCandidates?: number;
  /** A time gap longer than this (seconds) starts a new sub-match. */
  maxGapS?: number;
  /** A jump between consecutive fixes longer than this (metres) starts a new sub-match. */
  maxGapM?: number;
  /** Sigma (degrees) of the course-over-ground term of the emission; 0 ignores the course. Default 10. */
  courseSigmaDeg?: number;
  /** The course is used only at or above this receiver speed (m/s), where Doppler course is reliable. Default 3. */
  courseMinSpeedMs?: number;
  /** Fixes whose receiver speed is below this (m/s) are dropped as standing still; 0 keeps them. Default 1. */
  standingSpeedMs?: number;
  /** Metres a U-turn at a node adds to a route's cost; Infinity forbids U-turns. Default 300. */
  uTurnPenaltyM?: number;
  /** Consecutive kept fixes the Viterbi may leave out as outliers (GPS jumps); 0 leaves none out. Default 3. */
  maxOutliers?: number;
  /** Log-probability cost (nats) of leaving one fix out as an outlier. Default 10. */
  outlierCost?: number;
}

/** One piece driven: fractions are of the piece's length from its geometry start; times are Unix ms. */
export interface MatchedPiece {
  pieceId: string;
  edge: number;
  /** 1 along the piece's geometry, -1 against it. */
  direction: 1 | -1;
  from: number;
  to: number;
  lengthM: number;
  enterT: number;
  exitT: number;
}

/** Where one fix was matched. */
export interface MatchedPoint {
  subMatch: number;
  pieceId: string;
  edge: number;
  /** 1 along the piece's geometry, -1 against it. */
  direction: 1 | -1;
  fraction: number;
  lat: number;
  lon: number;
  /** Distance from the fix to the matched position, metres. */
  distanceM: number;
}

/** A continuous matched stretch (the trace breaks between sub-matches). */
export interface SubMatch {
  firstPoint: number;
  lastPoint: number;
  pieces: MatchedPiece[];
  lengthM: number;
}

/** The result of `matchTrack`. */
export interface MatchResult {
  subMatches: SubMatch[];
  /**
   * Per input fix; undefined when preprocessing dropped it (within 2 sigma_z of the previous kept fix, or standing
   * still), when it is off the network, or when the Viterbi left it out as an outlier.
   */
  points: Array<MatchedPoint | undefined>;
  matchedLengthM: number;
  stats: {
    inputPoints: number;
    usedPoints: number;
    noCandidate: number;
    breaks: number;
    /** Kept fixes the Viterbi left out as outliers. */
    outliers: number;
    routerRuns: number;
  };
}

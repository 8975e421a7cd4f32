/**
 * Every number the GPS checks use, in one table, each with the reason it has that value. Distances in metres,
 * times in seconds unless the name says otherwise. Calibration figures quoted below were measured by
 * `test/ingest/validate-*.test.ts` on /work/shared/data/traces and on `planDrive` drives.
 */
export const THRESHOLDS = {
  time: {
    /** GPS time starts 1980-01-06; an earlier fix time is a receiver default (e.g. 1901-12-13 = INT32_MIN s). */
    minMs: Date.UTC(1980, 0, 6),
    /** Allowed clock skew into the future relative to `now` (one day covers any time-zone mistake). */
    maxFutureMs: 86_400_000,
  },
  nullIsland: {
    /** The nearest land to 0,0 (Sao Tome) is ~570 km away: a fix within 10 km is a receiver default, not a road. */
    radiusM: 10_000,
  },
  fix: {
    /** mapillary_tools drops GoPro fixes with DOP above 10 (GOPRO_MAX_DOP100 = 1000); HDOP > 10 is "poor" in u-blox docs. */
    maxHdop: 10,
    /** A 3D fix needs 4 satellites; fewer means a stale or dead-reckoned position. */
    minSatellites: 4,
  },
  duplicate: {
    /** Two fixes with the same time closer than 0.1 m are one fix repeated (mapillary_tools DUPLICATE_DISTANCE). */
    samePositionM: 0.1,
  },
  gap: {
    /** Ten missed 1 Hz fixes is worth a note (a tunnel, an underpass); below that it is ordinary dropout. */
    infoS: 10,
    /** mapillary_tools cuts sequences after 60 s without a fix (CUTOFF_TIME); we split the track there. */
    splitS: 60,
  },
  jump: {
    /**
     * Error budget of a pair of fixes: 2 x 15 m (mapillary_tools' GOPRO_GPS_PRECISION). Consumer GPS is 3-5 m CEP,
     * so this only lets real multipath outliers through, not a teleport.
     */
    noiseM: 30,
    /** A burst of up to 5 fixes (or 30 s) that jumps away and comes back is an outlier, dropped, not a teleport. */
    maxSpikePoints: 5,
    maxSpikeS: 30,
    /** "Comes back" means the next fix is within noiseM + max(15 m/s, 2 x the local speed) x dt of the last good one. */
    returnSpeedFloorMps: 15,
    returnSpeedFactor: 2,
    /** A piece of fewer than 3 fixes between jumps (e.g. a receiver converging after start) is dropped. */
    minPiecePoints: 3,
  },
  speed: {
    /**
     * 250 km/h: German Autobahn traffic without a limit rarely exceeds it and no mapping vehicle needs more.
     * mapillary_tools uses 400 km/h (MAX_AVG_SPEED) only to catch broken clocks; we also want sped-up replays.
     */
    maxMps: 250 / 3.6,
    /** Speed is measured over windows of at least 3 s, never a single pair, so one noisy fix cannot trip it. */
    windowS: 3,
    /** Path length counts steps of at least 20 m, so standing jitter (3-5 m CEP) adds no distance. */
    decimateM: 20,
    /** Error allowed on the path of a window: two ends x 10 m (2-3 x consumer CEP). */
    noiseM: 20,
    /** More than a fifth of the track's time at impossible speed is a manipulated clock, not a glitch: reject. */
    rejectFraction: 0.2,
  },
  acceleration: {
    /** 0.8 g: the grip limit of road tyres on dry asphalt; emergency braking of cars peaks at 0.8-1.0 g. */
    maxMps2: 0.8 * 9.80665,
    /** Speeds over 5 s windows, compared window to window; the noise allowance is added to the limit. */
    windowS: 5,
    noiseM: 20,
  },
  tooPerfect: {
    /**
     * Median CTRV residual (see perfect-stats.ts) below 1.35 m over >= 30 moving fixes = no receiver noise.
     * Measured: real 1 Hz car tracks 1.60 (Visnjan) and 2.16 m (Seattle), Hof FCD >= 3.1 m, planDrive default noise
     * >= 9 m; white noise of sigma 0.2 m on a true route gives <= 1.23 m (40 seeds). A smoother real receiver
     * (RTK) would be flagged: the margin to real data is ~18 %.
     */
    maxMedianResidualM: 1.35,
    /**
     * ...and >= 90 % of sampling intervals equal (a generator's clock). Needed because loggers with "smart
     * recording" filter hard: the Garmin leg of cerknicko-jezero.gpx (2-11 s intervals, 30 km/h) scores 0.93 m.
     */
    minRegularIntervals: 0.9,
    minSamples: 30,
    /**
     * A short track (10..29 scored fixes, i.e. under half a minute of driving) is judged on a much tighter bound:
     * its median is less certain, but 0.3 m is a fifth of the smoothest real car track (1.60 m), and a generator's
     * exact path scores 0. Without this a 25 s simulator track passed unnoticed.
     */
    shortMinSamples: 10,
    shortMaxMedianResidualM: 0.3,
    /** Only car-speed stretches are scored (walking receivers are filtered much harder). */
    minSpeedMps: 5,
    /** Fixes are thinned to >= 0.95 s so 10-18 Hz receivers (GoPro GPS5: 18 Hz) are scored like 1 Hz ones. */
    minIntervalS: 0.95,
    maxIntervalS: 30,
  },
  video: {
    /** GPS must cover the video to within 3 s + 2 % at each end (receivers report ~1 s late; clocks drift). */
    toleranceS: 3,
    toleranceFraction: 0.02,
  },
  tooShort: {
    /** Fewer than 5 fixes or 100 m (one urban block) cannot place a single street segment. */
    minPoints: 5,
    minLengthM: 100,
  },
  /** More than half of the fixes dropped: what is left cannot be trusted either. */
  maxBadFraction: 0.5,
  replay: {
    /** Fingerprint: fixes at least 5 m apart (standing jitter dropped), positions to 1e-7 deg (1 cm), times to 1 ms. */
    spacingM: 5,
    /** A fix of track A matches the nearest fix of B within 30 m (half a 1 Hz step at 200 km/h + noise). */
    matchM: 30,
    /**
     * Geometric similarity = overlap x (1 - spread / 1.5 m), spread = median distance of fix-to-fix offsets from
     * their median. Another drive samples the road at other places: the smallest spread over 5632 pairs of Hof
     * drives on shared roads is 6.2 m; a copy differs by centimetres or by one constant vector.
     */
    spreadScaleM: 1.5,
    /** Temporal similarity = 1 - spread of time offsets / 2 s (a copy keeps the speed profile to the millisecond). */
    timeScaleS: 2,
    /** A replay: geometric >= 0.5 (spread <= 0.75 m) over >= 20 matched points and >= half of the track. */
    minGeometric: 0.5,
    minMatched: 20,
    minOverlap: 0.5,
    /** Candidates: bounding boxes grown by 50 m overlap and half of a sample of points lies in the other's box. */
    bboxMarginM: 50,
  },
} as const;

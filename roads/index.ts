/**
 * roads: OSM road network import into PostGIS (pieces of at most ~100 m with stable ids, routable graph) and HMM
 * map matching of GPS tracks onto it. The public face of the stage; other stages import only this file.
 */

export { estimateSigmaZ } from './candidates.ts';
export { COVERAGE_THRESHOLD, coverageOf, type PieceCoverage } from './coverage.ts';
export { type ImportRoadsOptions, type ImportRoadsResult, importRoads, regionOf } from './import-roads.ts';
export { type BBox, type LoadGraphOptions, loadGraph, trackBbox } from './load-graph.ts';
export { buildRoadGraph, type GraphPiece, pointOnEdge, type RoadGraph } from './match-graph.ts';
export { matchTrack } from './match-track.ts';
export type { MatchedPiece, MatchedPoint, MatchOptions, MatchResult, SubMatch } from './match-types.ts';
export { matchUpload } from './match-upload.ts';
export { type CoveredPiece, coveredPieces, liveSegmentCount } from './read-coverage.ts';
export { DRIVABLE_CLASSES, isDrivable, onewayOf } from './road-classes.ts';
export { cutNodeId, DEFAULT_MAX_PIECE_M, pieceId, type RoadPiece, splitWays } from './split-ways.ts';

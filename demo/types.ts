/** Shared shapes of the demo drive generator: the synthetic town, its roadside objects and the ground truth. */

/** OSM-style tags. */
export type Tags = Record<string, string>;

/** A road node: OSM id, WGS84 position and its local east/north metres. */
export interface RoadNode {
  id: number;
  lat: number;
  lon: number;
  x: number;
  y: number;
  tags?: Tags;
}

/** A road way: OSM id, ordered node ids, tags (highway, name, maxspeed, oneway...). */
export interface RoadWay {
  id: number;
  nodes: number[];
  tags: Tags;
}

/** The synthetic town's street network. */
export interface RoadNetwork {
  origin: { lat: number; lon: number };
  nodes: RoadNode[];
  ways: RoadWay[];
}

/** Taxonomy classes the demo places (mapmint's detector classes). */
export type ObjectClass = 'regulatory--stop' | 'traffic-light' | 'regulatory--maximum-speed-limit' | 'fire-hydrant';

/** Fixed-time signal plan of one traffic light: green, then amber, then red, repeating. */
export interface SignalPlan {
  cycleS: number;
  /** Seconds after the drive start when a green phase of this light began (any cycle). */
  greenStartS: number;
  greenS: number;
  amberS: number;
}

/** A roadside object at a known position. */
export interface DemoObject {
  id: string;
  class: ObjectClass;
  lat: number;
  lon: number;
  x: number;
  y: number;
  /** Height of the face centre above the ground, metres. */
  height: number;
  /** Face width and height in metres. */
  size: [number, number];
  /** Compass bearing the face looks towards (towards the drivers it addresses), degrees. */
  facing: number;
  /** Sign value, e.g. 30 for a 30 km/h limit. */
  value?: number;
  /** The junction node a stop sign or traffic light controls. */
  junction?: number;
  signal?: SignalPlan;
}

/** One true pose of the vehicle's GPS antenna. */
export interface TrueSample {
  /** Unix milliseconds. */
  t: number;
  lat: number;
  lon: number;
  /** Antenna altitude, metres above mean sea level. */
  alt: number;
  x: number;
  y: number;
  /** Metres per second. */
  speed: number;
  /** Degrees clockwise from north. */
  heading: number;
  /** Distance driven along the route, metres. */
  s: number;
}

/** The true camera pose for one video frame. */
export interface FramePose {
  index: number;
  t: number;
  lat: number;
  lon: number;
  x: number;
  y: number;
  /** Camera altitude above mean sea level. */
  alt: number;
  /** Camera height above the ground, metres. */
  heightAboveGround: number;
  /** Vehicle heading, degrees. */
  heading: number;
  /** Camera optical-axis bearing: heading + mount yaw + jitter, degrees. */
  yaw: number;
  /** Camera pitch, degrees, positive up. */
  pitch: number;
}

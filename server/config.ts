import path from 'node:path';
import { stateDir, tilesDir } from '../db/index.ts';
import type { UnsignedUploadPolicy } from '../uploads/index.ts';

/** Everything the HTTP server can be told. */
export interface ServerConfig {
  host: string;
  port: number;
  /** Where tus keeps partial uploads until they complete. */
  tusDir: string;
  /** Where the tile archives (PMTiles versions and current.json) live. */
  tilesDir: string;
  /** Largest single file accepted, in bytes. */
  maxFileBytes: number;
  /** Largest upload (all files together), in bytes. */
  maxUploadBytes: number;
  /** Most files in one upload. */
  maxFiles: number;
  /** Requests per minute per client IP, token or not (a random bearer string buys no fresh bucket). */
  rateLimitPerMinute: number;
  /** Requests per minute per client IP on each expensive public route (coverage, frames, crops), a bucket each. */
  expensiveRateLimitPerMinute: number;
  /** Tile and archive requests per minute per client IP (one map view makes hundreds). */
  tileRateLimitPerMinute: number;
  /**
   * Which proxies' X-Forwarded-For to believe (Fastify's trustProxy: true, or proxy addresses/CIDRs); off by
   * default, so a client cannot pick its own rate-limit bucket by sending the header.
   */
  trustProxy: boolean | string;
  /** Sign-in attempts per minute per IP. */
  authRateLimitPerMinute: number;
  /** Uploads a contributor may create per hour. */
  uploadsPerHour: number;
  /**
   * Manifests no registered device key signed: `accept` them (rewards pay them at MAPMINT_UNSIGNED_REWARD_MULTIPLIER)
   * or `refuse` them with 400 `device_signature_required`.
   */
  unsignedUploads: UnsignedUploadPolicy;
  /** Partial tus transfers one contributor may have open at once (429 beyond). */
  maxConcurrentTransfers: number;
  /** Bytes stored awaiting acceptance plus bytes in open transfers, per contributor (413 beyond). */
  quotaBytes: number;
  /** Idle seconds after which a partial transfer, and an upload still receiving, expire. */
  transferExpiryS: number;
  /** Seconds the files of a quarantined upload are kept (for the driver to contest) before they are deleted. */
  quarantineRetentionS: number;
  /** Seconds between two runs of the upload sweep (expiry and retention); 0 turns it off. */
  sweepIntervalS: number;
  /**
   * The site's public origin (`https://map.example.org`): sign-in messages must name its host and an URI on it, and
   * TileJSON points at it. Required unless the server listens on loopback only, where the loopback names of the
   * listening port are the site.
   */
  publicUrl: string | undefined;
  /** The RPC URL /v1/chain publishes; default the deployment's own, stripped of credentials and key-like paths. */
  publicRpcUrl: string | undefined;
  /** The chain id sign-in messages must name (EIP-4361 `Chain ID`). */
  siweChainId: number;
  /** How long a nonce stays valid, and how old a message's issuedAt may be, in seconds. */
  nonceTtlSeconds: number;
  /** Bearer token lifetime in seconds: 12 h, so a leaked token is good for one working day at most. */
  tokenTtlSeconds: number;
  /** Every signed-in wallet is a reviewer (only `mapmint start`'s local demo sets this); else roles are granted. */
  openReview: boolean;
  /** Agreeing votes that settle a review item (review/README.md). */
  reviewQuorum: number;
  /** Detections scoring below this that support no map feature are queued for review. */
  reviewDetectionBelow: number;
}

function num(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(v)}`);
  return n;
}

function flag(name: string): boolean {
  const v = (process.env[name] ?? '').toLowerCase();
  if (v === '' || v === '0' || v === 'false' || v === 'no') return false;
  if (v === '1' || v === 'true' || v === 'yes') return true;
  throw new Error(`${name} must be 1/true/yes or 0/false/no, got ${JSON.stringify(process.env[name])}`);
}

/** MAPMINT_UNSIGNED_UPLOADS: `accept` (default) or `refuse`. */
function unsignedUploads(): UnsignedUploadPolicy {
  const v = (process.env.MAPMINT_UNSIGNED_UPLOADS ?? '').trim().toLowerCase();
  if (v === '' || v === 'accept') return 'accept';
  if (v === 'refuse') return 'refuse';
  throw new Error(
    `MAPMINT_UNSIGNED_UPLOADS must be accept or refuse, got ${JSON.stringify(process.env.MAPMINT_UNSIGNED_UPLOADS)}`,
  );
}

/** MAPMINT_TRUST_PROXY: unset/false (default), true, or a comma-separated list of proxy addresses or CIDRs. */
function trustProxy(): boolean | string {
  const v = (process.env.MAPMINT_TRUST_PROXY ?? '').trim();
  if (v === '' || /^(0|false|no)$/i.test(v)) return false;
  if (/^(true|yes)$/i.test(v)) return true;
  return v;
}

/** MAPMINT_PUBLIC_URL as a bare origin, or undefined when unset. */
function publicUrl(): string | undefined {
  const v = process.env.MAPMINT_PUBLIC_URL;
  if (!v) return undefined;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new Error(`MAPMINT_PUBLIC_URL must be an absolute http(s) URL such as https://map.example.org, got ${v}`);
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.pathname !== '/' || u.search || u.username) {
    throw new Error(`MAPMINT_PUBLIC_URL must be a bare origin such as https://map.example.org, got ${v}`);
  }
  return u.origin;
}

/** Whether an address to bind is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Reads the server configuration from the environment (MAPMINT_*), with production defaults. Throws when the server
 * would be reachable from other machines without MAPMINT_PUBLIC_URL, since sign-in must be bound to our own site.
 */
export function serverConfigFromEnv(overrides: Partial<ServerConfig> = {}): ServerConfig {
  const config = readConfig(overrides);
  if (!config.publicUrl && !isLoopback(config.host)) {
    throw new Error(
      `MAPMINT_PUBLIC_URL is required when serving on ${config.host}: set it to the site's origin (https://map.example.org) so sign-in accepts only messages signed for this site`,
    );
  }
  return config;
}

function readConfig(overrides: Partial<ServerConfig>): ServerConfig {
  return {
    host: process.env.MAPMINT_HOST ?? '127.0.0.1',
    port: num('MAPMINT_PORT', 8787),
    tusDir: process.env.MAPMINT_TUS_DIR ?? path.join(stateDir(), 'tus'),
    tilesDir: tilesDir(),
    maxFileBytes: num('MAPMINT_MAX_FILE_BYTES', 8 * 1024 ** 3),
    maxUploadBytes: num('MAPMINT_MAX_UPLOAD_BYTES', 16 * 1024 ** 3),
    maxFiles: num('MAPMINT_MAX_FILES', 5000),
    rateLimitPerMinute: num('MAPMINT_RATE_LIMIT_PER_MIN', 600),
    expensiveRateLimitPerMinute: num('MAPMINT_EXPENSIVE_RATE_LIMIT_PER_MIN', 120),
    tileRateLimitPerMinute: num('MAPMINT_TILE_RATE_LIMIT_PER_MIN', 3000),
    trustProxy: trustProxy(),
    authRateLimitPerMinute: num('MAPMINT_AUTH_RATE_LIMIT_PER_MIN', 60),
    uploadsPerHour: num('MAPMINT_UPLOADS_PER_HOUR', 200),
    unsignedUploads: unsignedUploads(),
    maxConcurrentTransfers: num('MAPMINT_MAX_CONCURRENT_TRANSFERS', 16),
    // Two largest uploads' worth: a driver can have one drive processing while the next one is sent.
    quotaBytes: num('MAPMINT_QUOTA_BYTES', 32 * 1024 ** 3),
    transferExpiryS: num('MAPMINT_TRANSFER_EXPIRY_S', 24 * 3600),
    quarantineRetentionS: num('MAPMINT_QUARANTINE_RETENTION_S', 30 * 24 * 3600),
    sweepIntervalS: num('MAPMINT_SWEEP_INTERVAL_S', 600),
    publicUrl: publicUrl(),
    siweChainId: num('MAPMINT_SIWE_CHAIN_ID', 1),
    publicRpcUrl: process.env.MAPMINT_PUBLIC_RPC_URL || undefined,
    nonceTtlSeconds: num('MAPMINT_NONCE_TTL_S', 600),
    tokenTtlSeconds: num('MAPMINT_TOKEN_TTL_S', 12 * 3600),
    openReview: flag('MAPMINT_OPEN_REVIEW'),
    reviewQuorum: num('MAPMINT_REVIEW_QUORUM', 2),
    reviewDetectionBelow: num('MAPMINT_REVIEW_DETECTION_BELOW', 0.6),
    ...overrides,
  };
}

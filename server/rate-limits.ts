import type { FastifyRequest } from 'fastify';
import type { ServerConfig } from './config.ts';

/**
 * The rate-limit key: the client's IP (behind a trusted proxy, the one it forwards). Never the Authorization header:
 * any string there would buy a fresh bucket, and verifying it first would cost a database read per request.
 */
export function clientKey(req: FastifyRequest): string {
  return `ip:${req.ip}`;
}

/** A route's own bucket of `max` requests per minute per client IP. */
export function perMinute(max: number) {
  return { max, timeWindow: 60_000, keyGenerator: clientKey };
}

/** Route config for the expensive public reads (coverage queries, frame and crop images): a smaller bucket each. */
export function expensiveRoute(config: ServerConfig) {
  return { rateLimit: perMinute(config.expensiveRateLimitPerMinute) };
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ReviewItemKind } from '../core/index.ts';
import { MapmintError } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import {
  castVote,
  detectionCrop,
  effectiveRoles,
  featureDetail,
  frameImage,
  type Reviewer,
  type ReviewStats,
  requireReviewer,
  reviewConfigFromEnv,
  reviewQueue,
  reviewStats,
  type StoredImage,
  type VoteInput,
} from '../review/index.ts';
import { rewardConfigFromEnv } from '../rewards/index.ts';
import type { BlobStore } from '../storage/index.ts';
import { authenticate } from './auth.ts';
import type { ServerConfig } from './config.ts';
import { expensiveRoute } from './rate-limits.ts';
import { bearer } from './request-auth.ts';

const idParam = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;
const publicIdParam = { type: 'string', maxLength: 64 } as const;
const notFound = (what: string) => new MapmintError('not_found', 'not_found', `no ${what}`);

/** Whether an If-None-Match header names this ETag (weak comparison, as RFC 9110 asks for GET). */
function matches(header: string | undefined): (etag: string) => boolean {
  const tags = (header ?? '')
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .filter(Boolean);
  return (etag) => tags.includes('*') || tags.includes(etag);
}

/** Sends a stored JPEG: immutable (content-addressed), with its ETag; 304 when the client already has it. */
function sendImage(reply: FastifyReply, img: StoredImage | undefined, what: string): FastifyReply {
  if (!img) throw notFound(what);
  void reply.header('cache-control', 'public, max-age=31536000, immutable').header('etag', img.etag);
  if (!img.bytes) return reply.status(304).send();
  return reply.type('image/jpeg').send(img.bytes);
}

/**
 * The QA reviewer API (queue, votes, own stats; reviewers only) and the public feature and image endpoints
 * (feature detail, blurred frames and crops).
 */
export async function registerReviewRoutes(
  app: FastifyInstance,
  deps: { sql: Sql; blobs: BlobStore },
  config: ServerConfig,
): Promise<void> {
  registerReviewerRoutes(app, deps.sql, config);
  registerFeatureRoutes(app, deps, config);
}

/** Resolves the caller as a reviewer once per request, in an `onRequest` hook that runs before body validation. */
function reviewerGuard(sql: Sql, config: ServerConfig) {
  const reviewer = async (req: FastifyRequest): Promise<Reviewer> => {
    const p = await authenticate(sql, req.headers.authorization);
    const roles = effectiveRoles(p.roles, config.openReview);
    requireReviewer(roles);
    return { contributorId: p.contributorId, roles };
  };
  const reviewers = new WeakMap<FastifyRequest, Reviewer>();
  // Authorisation before body validation: a caller who may not review learns nothing about the schema.
  const onRequest = async (req: FastifyRequest) => {
    reviewers.set(req, await reviewer(req));
  };
  const who = async (req: FastifyRequest) => reviewers.get(req) ?? reviewer(req);
  return { onRequest, who };
}

/** Queue, vote and own stats: reviewers only. */
function registerReviewerRoutes(app: FastifyInstance, sql: Sql, config: ServerConfig): void {
  const cfg = {
    review: reviewConfigFromEnv({ quorum: config.reviewQuorum, detectionBelow: config.reviewDetectionBelow }),
    rewards: rewardConfigFromEnv(),
  };
  const { onRequest, who } = reviewerGuard(sql, config);

  app.get<{ Querystring: { limit: number } }>(
    '/v1/review/queue',
    {
      onRequest,
      schema: {
        summary: 'My review queue: escalated items (seniors), candidate features, then doubtful detections',
        tags: ['review'],
        security: bearer,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
        },
      },
    },
    async (req) => reviewQueue(sql, await who(req), { limit: req.query.limit, config: cfg.review }),
  );
  app.post<{ Params: { kind: ReviewItemKind; id: number }; Body: VoteInput }>(
    '/v1/review/:kind/:id',
    {
      onRequest,
      schema: {
        summary: 'Vote on a feature or detection: confirm, reject or relabel (one vote per reviewer)',
        description:
          'Settles at the quorum of agreeing votes; a disagreement escalates to seniors, one senior vote settles. ' +
          '403 not_reviewer / own_capture / senior_required, 404 not_found, 409 already_voted / settled.',
        tags: ['review'],
        security: bearer,
        params: {
          type: 'object',
          required: ['kind', 'id'],
          properties: { kind: { type: 'string', enum: ['feature', 'detection'] }, id: idParam },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['decision'],
          properties: {
            decision: { type: 'string', enum: ['confirm', 'reject', 'relabel'] },
            class: { type: 'string', minLength: 1, maxLength: 100 },
            value: { type: ['string', 'null'], maxLength: 200 },
          },
        },
      },
    },
    async (req) => castVote(sql, await who(req), { kind: req.params.kind, id: req.params.id }, req.body, cfg),
  );
  app.get(
    '/v1/review/stats',
    { onRequest, schema: { summary: 'My votes, settled and agreeing votes, review credits', tags: ['review'] } },
    async (req): Promise<ReviewStats> => reviewStats(sql, (await who(req)).contributorId),
  );
}

/** Public: a feature's detail, and the blurred frames and crops that back it (immutable, with ETags). */
function registerFeatureRoutes(app: FastifyInstance, deps: { sql: Sql; blobs: BlobStore }, config: ServerConfig): void {
  const { sql, blobs } = deps;
  const expensive = expensiveRoute(config);
  app.get<{ Params: { id: number } }>(
    '/v1/features/:id',
    {
      schema: {
        summary: 'A map feature: attributes, evidence counts, votes and up to 6 frames that saw it',
        tags: ['map'],
        params: { type: 'object', required: ['id'], properties: { id: idParam } },
      },
    },
    async (req) => {
      const f = await featureDetail(sql, req.params.id);
      if (!f) throw notFound(`feature ${req.params.id}`);
      return f;
    },
  );
  // Images are addressed by random public ids (the URLs in feature details and tiles); a serial id, or a frame
  // inside its driver's privacy zone, is a 404 like any unknown id (README "Privacy").
  app.get<{ Params: { frameId: string } }>(
    '/v1/frames/:frameId/image',
    {
      config: expensive,
      schema: {
        summary: 'A stored frame (JPEG, blurred at ingest) by its public id; immutable, with ETag',
        tags: ['map'],
        params: { type: 'object', required: ['frameId'], properties: { frameId: publicIdParam } },
      },
    },
    async (req, reply) =>
      sendImage(
        reply,
        await frameImage(sql, blobs, req.params.frameId, matches(req.headers['if-none-match'])),
        `image for frame ${req.params.frameId}`,
      ),
  );
  app.get<{ Params: { detectionId: string } }>(
    '/v1/detections/:detectionId/crop',
    {
      config: expensive,
      schema: {
        summary: "A detection's crop (JPEG, cut from the blurred frame) by its public id; immutable, with ETag",
        tags: ['map'],
        params: { type: 'object', required: ['detectionId'], properties: { detectionId: publicIdParam } },
      },
    },
    async (req, reply) =>
      sendImage(
        reply,
        await detectionCrop(sql, blobs, req.params.detectionId, matches(req.headers['if-none-match'])),
        `crop for detection ${req.params.detectionId}`,
      ),
  );
}

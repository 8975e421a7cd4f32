import type { FastifyInstance } from 'fastify';
import type { ChainInfo, Rewards } from '../api/index.ts';
import { loadDeployment, publishableRpcUrl } from '../chain/index.ts';
import { invalid, MapmintError } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import { coverageGeoJson, epochAt, myCoverage, myRewards, rewardConfigFromEnv } from '../rewards/index.ts';
import { authenticate } from './auth.ts';
import type { ServerConfig } from './config.ts';
import { expensiveRoute } from './rate-limits.ts';

/** Parses `w,s,e,n` into a bounding box no larger than 1 degree square (coverage is for map views, not exports). */
function parseBbox(v: string | undefined): [number, number, number, number] {
  const parts = (v ?? '').split(',').map(Number);
  const [w, s, e, n] = parts;
  if (
    parts.length !== 4 ||
    parts.some((x) => !Number.isFinite(x)) ||
    w! >= e! ||
    s! >= n! ||
    w! < -180 ||
    e! > 180 ||
    s! < -90 ||
    n! > 90
  ) {
    throw invalid('bad_bbox', 'bbox must be w,s,e,n in degrees with w < e and s < n');
  }
  if (e! - w! > 1 || n! - s! > 1) throw invalid('bbox_too_large', 'bbox may span at most 1 degree each way');
  return [w!, s!, e!, n!];
}

/** Coverage and rewards: a contributor's own (bearer token) and public coverage as GeoJSON. */
export async function registerRewardRoutes(app: FastifyInstance, sql: Sql, config: ServerConfig): Promise<void> {
  const who = (auth: string | undefined) => authenticate(sql, auth);
  app.get(
    '/v1/chain',
    {
      schema: {
        summary: 'Where the token and distributor contracts are (a public RPC URL or null, addresses)',
        tags: ['rewards'],
      },
    },
    async (): Promise<ChainInfo> => {
      const info = await loadDeployment();
      if (!info)
        throw new MapmintError('not_found', 'not_deployed', 'no contracts deployed yet: run `mapmint chain deploy`');
      return {
        rpcUrl: config.publicRpcUrl ?? publishableRpcUrl(info.rpcUrl),
        chainId: info.chainId,
        token: info.token,
        distributor: info.distributor,
        credits: info.credits,
        dev: info.dev === true,
      };
    },
  );
  app.get(
    '/v1/me/rewards',
    { schema: { summary: 'My rewards per epoch, cumulative total, and latest claim proof', tags: ['rewards'] } },
    async (req): Promise<Rewards> => {
      const p = await who(req.headers.authorization);
      return { address: p.address, ...(await myRewards(sql, p.contributorId)) };
    },
  );
  app.get(
    '/v1/me/coverage',
    { schema: { summary: 'Road pieces my uploads covered, and what each earned', tags: ['rewards'] } },
    async (req) => {
      const p = await who(req.headers.authorization);
      return { coverage: await myCoverage(sql, p.contributorId) };
    },
  );
  app.get<{ Querystring: { bbox?: string } }>(
    '/v1/coverage',
    {
      config: expensiveRoute(config),
      schema: {
        summary: 'Road coverage in a bounding box as GeoJSON (last covered, drives, novel this epoch)',
        tags: ['rewards'],
        querystring: { type: 'object', properties: { bbox: { type: 'string' } }, required: ['bbox'] },
      },
    },
    async (req) => coverageGeoJson(sql, parseBbox(req.query.bbox), epochAt(new Date(), rewardConfigFromEnv()).id),
  );
}

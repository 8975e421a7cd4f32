/**
 * The pages' view of the mapmint API: the SDK's client (sign-in, errors) plus the types of the responses the pages
 * read (web-contract: review queue, features, uploads, coverage, rewards). The session token lives in localStorage
 * so a reload keeps the reviewer signed in.
 */
import { ApiError, MapmintClient } from '../../sdk/index.ts';

export type {
  ChainInfo,
  Decision,
  DeclaredFile,
  FeatureDetails,
  ReviewCrop,
  ReviewItem,
  ReviewQueue,
  ReviewStats,
  Rewards,
  StepView,
  UploadManifest,
  UploadState,
  UploadView,
  VoteResult,
} from '../../api/index.ts';
export { describeFile, KNOWN_EXTENSIONS } from '../../api/index.ts';
export type { ClaimOutcome } from '../../sdk/index.ts';
export { ApiError, MapmintClient };

/** GET /v1/me. */
export interface Me {
  contributorId: string;
  address: string;
  roles?: string[];
}

/** One row of GET /v1/me/coverage. */
export interface CoveragePiece {
  segmentId: string;
  uploadId: string;
  fraction: number;
  coveredAt: string;
  counted: boolean;
  rule: string | null;
  amount: string | null;
}

/** TileJSON 3.0 as /tiles/tiles.json serves it. */
export interface TileJson {
  tiles: string[];
  vector_layers: { id: string; minzoom: number; maxzoom: number }[];
  bounds: [number, number, number, number];
  center: [number, number, number];
  minzoom: number;
  maxzoom: number;
  attribution?: string;
}

const SESSION_KEY = 'mapmint.session';

/** A client for this origin, signed in with the stored token when there is one. */
export function apiClient(): MapmintClient {
  let token: string | undefined;
  try {
    const saved = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null') as { token?: string; expiresAt?: string };
    if (saved?.token && (!saved.expiresAt || Date.parse(saved.expiresAt) > Date.now())) token = saved.token;
  } catch {
    token = undefined;
  }
  return new MapmintClient({ baseUrl: location.origin, ...(token ? { token } : {}) });
}

/** Keeps (or with undefined, forgets) the session token for later page loads. */
export function saveSession(session: { token: string; address: string } | undefined): void {
  if (session === undefined) localStorage.removeItem(SESSION_KEY);
  else
    localStorage.setItem(
      SESSION_KEY,
      JSON.stringify({ ...session, expiresAt: new Date(Date.now() + 6 * 24 * 3600_000).toISOString() }),
    );
}

/** POST/GET with the client's token, for the endpoints the SDK has no method for. */
export async function call<T>(client: MapmintClient, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (client.token) headers.authorization = `Bearer ${client.token}`;
  const res = await fetch(path, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? `${method} ${path}: ${res.status}`);
  }
  return data as T;
}

/** The live TileJSON, or undefined when no archive has been built yet (answered 404). */
export async function tileJson(): Promise<TileJson | undefined> {
  const res = await fetch('/tiles/tiles.json');
  if (res.status === 404) return undefined;
  if (!res.ok) throw new ApiError(res.status, `http_${res.status}`, `GET /tiles/tiles.json: ${res.status}`);
  return (await res.json()) as TileJson;
}

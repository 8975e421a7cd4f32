import { createHash, randomBytes } from 'node:crypto';
import { getAddress, verifyMessage } from 'ethers';
import { SiweMessage } from 'siwe';
import { MapmintError } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import { ensureContributor } from '../uploads/index.ts';

/** A signed-in contributor. */
export interface Principal {
  contributorId: string;
  address: string;
  /** Stored roles (`reviewer`, `senior`); review/effectiveRoles adds what the server's configuration grants. */
  roles: string[];
}

const unauthorized = (code: string, message: string) => new MapmintError('unauthorized', code, message);

/**
 * Issues a single-use sign-in nonce (EIP-4361 requires at least 8 alphanumeric characters; we use 24). Expired
 * nonces and sessions are swept here: sign-in is rate limited per IP, so the sweep runs often but never in a flood.
 */
export async function issueNonce(sql: Sql, ttlSeconds: number): Promise<{ nonce: string; expiresAt: string }> {
  await sql`delete from auth_nonces where expires_at <= now()`;
  await sql`delete from sessions where expires_at <= now()`;
  const nonce = randomBytes(18).toString('base64url').replace(/[-_]/g, 'x');
  const [row] = await sql<{ expires_at: Date }[]>`
    insert into auth_nonces (nonce, expires_at) values (${nonce}, now() + make_interval(secs => ${ttlSeconds}))
    returning expires_at`;
  return { nonce, expiresAt: row!.expires_at.toISOString() };
}

/** What a sign-in must match besides the signature. */
export interface SignInPolicy {
  /** The site's origins (`https://map.example.org`): the message's domain and URI must name one of them. */
  origins: string[];
  chainId: number;
  nonceTtlSeconds: number;
  tokenTtlSeconds: number;
  now?: Date;
}

/**
 * Verifies a Sign-In with Ethereum message (EIP-4361): syntax, our domain, URI and chain, time window, a nonce we
 * issued and that was never used (deleted here, so a replayed message fails), and the signature recovering the
 * stated address.
 * Returns a bearer token; only its SHA-256 is stored.
 */
export async function signIn(
  sql: Sql,
  input: { message: string; signature: string },
  policy: SignInPolicy,
): Promise<{ token: string; address: string; contributorId: string; expiresAt: string }> {
  let msg: SiweMessage;
  try {
    msg = new SiweMessage(input.message);
  } catch (err) {
    throw unauthorized('siwe_malformed', `not an EIP-4361 message: ${(err as Error).message ?? String(err)}`);
  }
  checkMessage(msg, policy);
  let recovered: string;
  try {
    recovered = verifyMessage(input.message, input.signature);
  } catch {
    throw unauthorized('siwe_bad_signature', 'the signature is malformed');
  }
  const address = getAddress(msg.address);
  if (recovered !== address)
    throw unauthorized('siwe_bad_signature', 'the signature was not made by the stated address');
  return (await sql.begin(async (tx) => {
    const used = await tx`delete from auth_nonces where nonce = ${msg.nonce} and expires_at > now() returning nonce`;
    if (used.length === 0)
      throw unauthorized('siwe_bad_nonce', 'unknown, expired or already used nonce: request a new one');
    const contributorId = await ensureContributor(tx as unknown as Sql, address);
    const token = randomBytes(32).toString('base64url');
    const [s] = await tx<{ expires_at: Date }[]>`
      insert into sessions (token_hash, contributor_id, expires_at)
      values (${hashToken(token)}, ${contributorId}, now() + make_interval(secs => ${policy.tokenTtlSeconds})) returning expires_at`;
    return { token, address, contributorId, expiresAt: s!.expires_at.toISOString() };
  })) as { token: string; address: string; contributorId: string; expiresAt: string };
}

/**
 * The message must be for this site: its domain one of our hosts and its URI on that same origin (a phishing page
 * can only get signatures naming its own domain, as wallets check the domain against the page), for our chain,
 * and signed recently.
 */
function checkMessage(msg: SiweMessage, policy: SignInPolicy): void {
  const origin = policy.origins.find((o) => new URL(o).host === msg.domain);
  if (!origin) {
    throw unauthorized(
      'siwe_wrong_domain',
      `message is for ${JSON.stringify(msg.domain)}, this server is ${policy.origins.map((o) => new URL(o).host).join(' or ')}`,
    );
  }
  if (uriOrigin(msg.uri) !== origin)
    throw unauthorized('siwe_wrong_uri', `message URI ${JSON.stringify(msg.uri)} is not on ${origin}`);
  if (msg.chainId !== policy.chainId)
    throw unauthorized('siwe_wrong_chain', `message is for chain ${msg.chainId}, sign in on chain ${policy.chainId}`);
  if (msg.version !== '1') throw unauthorized('siwe_bad_version', 'only SIWE version 1 is supported');
  const now = policy.now ?? new Date();
  if (msg.expirationTime && new Date(msg.expirationTime) <= now)
    throw unauthorized('siwe_expired', 'the message has expired');
  if (msg.notBefore && new Date(msg.notBefore) > now)
    throw unauthorized('siwe_not_yet_valid', 'the message is not valid yet');
  const issued = new Date(msg.issuedAt ?? '');
  if (Number.isNaN(issued.getTime()) || Math.abs(now.getTime() - issued.getTime()) > policy.nonceTtlSeconds * 1000) {
    throw unauthorized('siwe_stale', 'issuedAt is missing or too far from the server clock');
  }
}

function uriOrigin(uri: string): string | undefined {
  try {
    return new URL(uri).origin;
  } catch {
    return undefined;
  }
}

/** Revokes one bearer token (logout); true when it was a live session. */
export async function revokeToken(sql: Sql, header: string | undefined): Promise<boolean> {
  const m = /^Bearer (\S+)$/.exec(header ?? '');
  if (!m) return false;
  return (await sql`delete from sessions where token_hash = ${hashToken(m[1]!)} returning 1`).length > 0;
}

/** Revokes every session of a contributor (sign out everywhere, or after a leaked token); returns how many. */
export async function revokeSessions(sql: Sql, contributorId: string): Promise<number> {
  return (await sql`delete from sessions where contributor_id = ${contributorId} returning 1`).length;
}

/** SHA-256 of a bearer token, hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Resolves an `Authorization: Bearer ...` header to a contributor, or throws `unauthorized`. */
export async function authenticate(sql: Sql, header: string | null | undefined): Promise<Principal> {
  const m = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(header ?? '');
  if (!m) throw unauthorized('missing_token', 'send Authorization: Bearer <token> from POST /v1/auth/verify');
  // One statement per authenticated request: the session and its contributor in a single round trip (the join on
  // contributors, owned by uploads/, is the one read of it outside uploads/ kept for that reason).
  const [row] = await sql<{ id: string; address: string; roles: string[] }[]>`
    select c.id, c.address, c.roles from sessions s join contributors c on c.id = s.contributor_id
    where s.token_hash = ${hashToken(m[1]!)} and s.expires_at > now()`;
  if (!row) throw unauthorized('invalid_token', 'the token is unknown or expired: sign in again');
  return { contributorId: row.id, address: row.address, roles: row.roles };
}

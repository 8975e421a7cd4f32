import { createHash, randomBytes } from 'node:crypto';
import { getAddress, verifyMessage } from 'ethers';
import { SiweMessage } from 'siwe';
import { MapmintError } from '../core/index.ts';
import type { Sql } from '../db/index.ts';

/** A signed-in contributor. */
export interface Principal {
  contributorId: string;
  address: string;
  /** Stored roles (`reviewer`, `senior`); review/effectiveRoles adds what the server's configuration grants. */
  roles: string[];
}

const unauthorized = (code: string, message: string) => new MapmintError('unauthorized', code, message);

/** Issues a single-use sign-in nonce (EIP-4361 requires at least 8 alphanumeric characters; we use 24). */
export async function issueNonce(sql: Sql, ttlSeconds: number): Promise<{ nonce: string; expiresAt: string }> {
  const nonce = randomBytes(18).toString('base64url').replace(/[-_]/g, 'x');
  const [row] = await sql<{ expires_at: Date }[]>`
    insert into auth_nonces (nonce, expires_at) values (${nonce}, now() + make_interval(secs => ${ttlSeconds}))
    returning expires_at`;
  return { nonce, expiresAt: row!.expires_at.toISOString() };
}

/** What a sign-in must match besides the signature. */
export interface SignInPolicy {
  domain: string;
  nonceTtlSeconds: number;
  tokenTtlSeconds: number;
  now?: Date;
}

/**
 * Verifies a Sign-In with Ethereum message (EIP-4361): syntax, domain, time window, a nonce we issued and that
 * was never used (consumed here, so a replayed message fails), and the signature recovering the stated address.
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
  const now = policy.now ?? new Date();
  if (msg.domain !== policy.domain) {
    throw unauthorized(
      'siwe_wrong_domain',
      `message is for ${JSON.stringify(msg.domain)}, this server is ${policy.domain}`,
    );
  }
  if (msg.version !== '1') throw unauthorized('siwe_bad_version', 'only SIWE version 1 is supported');
  if (msg.expirationTime && new Date(msg.expirationTime) <= now)
    throw unauthorized('siwe_expired', 'the message has expired');
  if (msg.notBefore && new Date(msg.notBefore) > now)
    throw unauthorized('siwe_not_yet_valid', 'the message is not valid yet');
  const issued = new Date(msg.issuedAt ?? '');
  if (Number.isNaN(issued.getTime()) || Math.abs(now.getTime() - issued.getTime()) > policy.nonceTtlSeconds * 1000) {
    throw unauthorized('siwe_stale', 'issuedAt is missing or too far from the server clock');
  }
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
    const used = await tx`update auth_nonces set used_at = now()
                          where nonce = ${msg.nonce} and used_at is null and expires_at > now() returning nonce`;
    if (used.length === 0)
      throw unauthorized('siwe_bad_nonce', 'unknown, expired or already used nonce: request a new one');
    const [c] = await tx<{ id: string }[]>`
      insert into contributors (address) values (${address})
      on conflict (address) do update set address = excluded.address returning id`;
    const token = randomBytes(32).toString('base64url');
    const [s] = await tx<{ expires_at: Date }[]>`
      insert into sessions (token_hash, contributor_id, expires_at)
      values (${hashToken(token)}, ${c!.id}, now() + make_interval(secs => ${policy.tokenTtlSeconds})) returning expires_at`;
    return { token, address, contributorId: c!.id, expiresAt: s!.expires_at.toISOString() };
  })) as { token: string; address: string; contributorId: string; expiresAt: string };
}

/** SHA-256 of a bearer token, hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Resolves an `Authorization: Bearer ...` header to a contributor, or throws `unauthorized`. */
export async function authenticate(sql: Sql, header: string | null | undefined): Promise<Principal> {
  const m = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(header ?? '');
  if (!m) throw unauthorized('missing_token', 'send Authorization: Bearer <token> from POST /v1/auth/verify');
  const [row] = await sql<{ id: string; address: string; roles: string[] }[]>`
    select c.id, c.address, c.roles from sessions s join contributors c on c.id = s.contributor_id
    where s.token_hash = ${hashToken(m[1]!)} and s.expires_at > now()`;
  if (!row) throw unauthorized('invalid_token', 'the token is unknown or expired: sign in again');
  return { contributorId: row.id, address: row.address, roles: row.roles };
}

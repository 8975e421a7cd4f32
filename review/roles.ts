import { getAddress } from 'ethers';
import type { ContributorRole } from '../core/index.ts';
import { invalid, MapmintError } from '../core/index.ts';
import type { Sql } from '../db/index.ts';
import { addContributorRoles, removeContributorRoles } from '../uploads/index.ts';

/** A signed-in contributor acting as a reviewer, with the roles in force for this request. */
export interface Reviewer {
  contributorId: string;
  roles: readonly string[];
}

/**
 * The roles in force: the stored ones, plus `reviewer` for everyone when review is open (the local demo). A senior is
 * always a reviewer too.
 */
export function effectiveRoles(stored: readonly string[], openReview: boolean): string[] {
  const r = new Set(stored);
  if (openReview || r.has('senior')) r.add('reviewer');
  return [...r].sort();
}

/** Whether the roles allow reviewing. */
export function isReviewer(roles: readonly string[]): boolean {
  return roles.includes('reviewer') || roles.includes('senior');
}

/** Whether the roles allow settling escalated items. */
export function isSenior(roles: readonly string[]): boolean {
  return roles.includes('senior');
}

/** Throws 403 `not_reviewer` unless the roles allow reviewing. */
export function requireReviewer(roles: readonly string[]): void {
  if (!isReviewer(roles))
    throw new MapmintError(
      'forbidden',
      'not_reviewer',
      'this wallet is not a reviewer: an operator grants the role with `mapmint reviewer grant <address>`',
    );
}

function checksummed(address: string): string {
  try {
    return getAddress(address.trim());
  } catch {
    throw invalid('bad_address', `not an Ethereum address: ${JSON.stringify(address)}`);
  }
}

/**
 * Grants the reviewer role (and with `senior` the senior role too) to a wallet, creating its contributor row if it
 * never signed in; granting again changes nothing. Returns the stored roles.
 */
export async function grantReviewer(
  sql: Sql,
  address: string,
  opts: { senior?: boolean } = {},
): Promise<{ address: string; roles: ContributorRole[] }> {
  const a = checksummed(address);
  const add: ContributorRole[] = opts.senior ? ['reviewer', 'senior'] : ['reviewer'];
  return addContributorRoles(sql, a, add);
}

/**
 * Revokes a wallet's review roles: all of them, or with `seniorOnly` just `senior`. Votes already cast stay.
 * Throws 404 `unknown_contributor` for a wallet mapmint has never seen.
 */
export async function revokeReviewer(
  sql: Sql,
  address: string,
  opts: { seniorOnly?: boolean } = {},
): Promise<{ address: string; roles: ContributorRole[] }> {
  const a = checksummed(address);
  const drop: ContributorRole[] = opts.seniorOnly ? ['senior'] : ['reviewer', 'senior'];
  const row = await removeContributorRoles(sql, a, drop);
  if (!row) throw new MapmintError('not_found', 'unknown_contributor', `no contributor with address ${a}`);
  return row;
}

import type { FastifyRequest } from 'fastify';
import type { Sql } from '../db/index.ts';
import { authenticate, type Principal } from './auth.ts';

/** The OpenAPI security requirement of routes that take a bearer token. */
export const bearer = [{ bearer: [] as string[] }];

/** Per-request authentication: an `onRequest` hook that resolves the token once, and a reader for the handler. */
export interface AuthGuard {
  /** Runs before body validation, so an anonymous caller learns nothing about the schema. */
  requireAuth(req: FastifyRequest): Promise<void>;
  /** The caller, from the hook when it ran, else resolved now. */
  principal(req: FastifyRequest): Promise<Principal>;
}

/** Builds the guard over the sessions table. */
export function authGuard(sql: Sql): AuthGuard {
  const principals = new WeakMap<FastifyRequest, Principal>();
  return {
    async requireAuth(req) {
      principals.set(req, await authenticate(sql, req.headers.authorization));
    },
    principal: (req) => Promise.resolve(principals.get(req) ?? authenticate(sql, req.headers.authorization)),
  };
}

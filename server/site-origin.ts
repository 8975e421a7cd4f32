import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from './config.ts';

/** Where the site is, as the server knows it from its configuration (never from a request's Host header). */
export interface Site {
  /** Every origin the site is reached at; sign-in messages must name one of them. */
  origins(): string[];
  /** The origin to print into documents (TileJSON): the one named by `host` when it is ours, else the first. */
  originFor(host: string | undefined): string;
}

/**
 * The configured public origin; on a loopback-only server (the demo, development) the loopback names of the port
 * it listens on, read once it listens, so tests on ephemeral ports need no configuration.
 */
export function siteOf(app: FastifyInstance, config: ServerConfig): Site {
  const origins = (): string[] => {
    if (config.publicUrl) return [config.publicUrl];
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    return [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`];
  };
  return {
    origins,
    originFor(host) {
      const all = origins();
      return all.find((o) => new URL(o).host === host) ?? all[0]!;
    },
  };
}

export { buildServer, type ServerDeps } from './app.ts';
export { type ServerConfig, serverConfigFromEnv } from './config.ts';
export { toHttpError } from './errors.ts';

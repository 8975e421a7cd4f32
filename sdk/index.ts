export * from '../api/index.ts';
export * from './client.ts';
export * from './device-keys.ts';
export * from './rewards.ts';

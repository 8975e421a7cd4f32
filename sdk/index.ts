export * from './client.ts';
export * from './rewards.ts';

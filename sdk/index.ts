export * from './client.ts';
export * from './review.ts';
export * from './rewards.ts';

export * from '../api/review.ts';
export * from './client.ts';
export * from './rewards.ts';

/**
 * The database schema: the source of truth. `npm run db:generate` turns changes into SQL under db/migrations/;
 * PostGIS itself, triggers and anything drizzle can't express live in hand-written migrations there.
 */

export * from './schema/fusion.ts';
export * from './schema/review.ts';
export * from './schema/rewards.ts';
export * from './schema/roads.ts';
export * from './schema/uploads.ts';
export * from './schema/vision.ts';

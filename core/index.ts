export * from './errors.ts';
export * from './geo.ts';
export * from './track.ts';

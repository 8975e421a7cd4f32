export * from './errors.ts';
export * from './geo.ts';
export * from './local-frame.ts';
export * from './tile-id.ts';
export * from './time-zone.ts';
export * from './track.ts';
export * from './varint.ts';
export * from './vocabulary.ts';

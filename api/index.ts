// The wire types: what the HTTP server sends and the SDK, the CLI and the web pages read. Below both sides; imports
// nothing of ours but core's vocabulary.

export * from './describe-file.ts';
export * from './devices.ts';
export * from './map-style.ts';
export * from './review.ts';
export * from './rewards.ts';
export * from './uploads.ts';

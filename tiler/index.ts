/** The tiler stage's public face: other stages import from here only. */
export * from './pmtiles/index.ts';

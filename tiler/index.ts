/** The tiler stage's public face: other stages import from here only. */
export { type ArchiveVersion, CURRENT_FILE, publishVersion, readCurrent, versionPath } from './archive-store.ts';
export {
  type BuildResult,
  type BuildSettings,
  type BuildTilesOptions,
  buildTiles,
  type TilerProgress,
  withTilerLock,
} from './build-tiles.ts';
export { ATTRIBUTION, type FieldType, LAYERS, type LayerSource, type LayerSpec, vectorLayers } from './layers.ts';
export { LiveArchive, ServedTile } from './live-archive.ts';
export { mapPage } from './map-page.ts';
export { type DirtyBox, markDirty, markDirtyAreas } from './mark-dirty.ts';
export * from './pmtiles/index.ts';
export { renderTile } from './render-tiles.ts';
export { parseRange, type TilesPluginOptions, tileJson, tilesPlugin } from './serve.ts';
export { resolveLayers } from './tile-sql.ts';
export { layersOfReason, tileUpload, updateDirtyTiles } from './update-dirty.ts';
export { type TileChange, type UpdateTilesOptions, updateTiles } from './update-tiles.ts';

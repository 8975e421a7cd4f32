-- Hand-written: what the public may see of frames and tracks (issue 17.5, README "Privacy"). One definition that the
-- public image routes, the feature evidence and the tiler all read, so none of them can forget a rule.
-- public_frames: frames of uploads that are not quarantined, minus those inside a privacy zone of their own driver.
-- Zones apply at read time: a new zone hides earlier drives too, and deleting it publishes them again.
CREATE VIEW public_frames AS
SELECT f.id, f.public_id, f.upload_id, f.idx, f.geom, f.heading_deg, f.captured_at, f.blob_key, f.width, f.height
FROM frames f
JOIN uploads u ON u.id = f.upload_id
WHERE u.status <> 'quarantined'
  AND NOT EXISTS (
    SELECT 1 FROM privacy_zones z
    WHERE z.contributor_id = u.contributor_id AND ST_DWithin(z.centre::geography, f.geom::geography, z.radius_m)
  );--> statement-breakpoint
-- public_tracks: every track with `geom` as stored (GiST-indexed, for tile filters) and `public_geom`, the track with
-- its driver's privacy zones cut out (empty when nothing is left, which the tiler drops).
CREATE VIEW public_tracks AS
SELECT t.upload_id, t.started_at, t.length_m, t.geom,
  CASE WHEN pz.area IS NULL THEN ST_Force2D(t.geom) ELSE ST_Difference(ST_Force2D(t.geom), pz.area) END AS public_geom
FROM tracks t
JOIN uploads u ON u.id = t.upload_id
LEFT JOIN LATERAL (
  SELECT ST_Union(ST_Buffer(z.centre::geography, z.radius_m)::geometry) AS area
  FROM privacy_zones z WHERE z.contributor_id = u.contributor_id
) pz ON true;

-- Hand-written: the same segment_coverage view (segment_id, last_covered_at, drives, novel), computed per road piece
-- through LATERAL instead of one GROUP BY over the whole coverage table. A query that joins the view to a few pieces
-- (the tiler's coverage layer renders one tile at a time) now reads only those pieces' coverage rows through
-- coverage_segment_time and ledger_coverage_segment_epoch; the aggregate view made every tile scan all coverage.
DROP VIEW segment_coverage;--> statement-breakpoint
CREATE VIEW segment_coverage AS
SELECT s.id AS segment_id, x.last_covered_at, x.drives,
       EXISTS (
         SELECT 1 FROM ledger_entries l
         WHERE l.segment_id = s.id AND l.kind = 'coverage'
           AND l.epoch_id = (SELECT max(epoch_id) FROM ledger_entries)
       ) AS novel
FROM road_segments s
CROSS JOIN LATERAL (
  SELECT max(c.covered_at) AS last_covered_at, count(DISTINCT c.upload_id)::int AS drives
  FROM coverage c
  JOIN uploads u ON u.id = c.upload_id
  WHERE c.segment_id = s.id AND c.counted AND u.status <> 'quarantined'
) x
WHERE x.drives > 0;

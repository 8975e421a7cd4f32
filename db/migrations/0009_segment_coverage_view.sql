-- Hand-written: per-piece coverage summary, the contract the tiler's `coverage` layer reads
-- (segment_id, last_covered_at, drives, novel). A view, so it is never stale; `novel` means the piece earned a
-- coverage reward in the latest epoch that has any ledger entry.
CREATE VIEW segment_coverage AS
SELECT c.segment_id,
       max(c.covered_at) AS last_covered_at,
       count(DISTINCT c.upload_id)::int AS drives,
       EXISTS (
         SELECT 1 FROM ledger_entries l
         WHERE l.segment_id = c.segment_id AND l.kind = 'coverage'
           AND l.epoch_id = (SELECT max(epoch_id) FROM ledger_entries)
       ) AS novel
FROM coverage c
JOIN uploads u ON u.id = c.upload_id
WHERE c.counted AND u.status <> 'quarantined'
GROUP BY c.segment_id;

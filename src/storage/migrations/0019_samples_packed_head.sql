-- A head per packed row (issue 17, the read side): per metric the count of known values, min and
-- max with their moments, and the sum (src/metrics/period-head.ts), so that a chart whose pixel
-- columns hold whole hours reads heads and decodes only the hours a column boundary cuts.
-- Existing rows keep a NULL head and are read by decoding them, exactly as before; maintenance
-- fills their heads in batches (backfillHeads). No data is moved or rewritten here.
ALTER TABLE samples_packed ADD COLUMN head bytea;

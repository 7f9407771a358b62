-- The analysis job reads every cached baseline's computed_at each round (to find the profiles
-- rebuilt since its in-process cache saw them), and the profiles themselves rarely. The profiles
-- (1–2 kB of JSON each) are stored inline, so that read scanned the whole table; this index answers
-- it from the index alone once the table's pages are all-visible (autovacuum keeps them so between
-- the six-hourly rebuilds).
CREATE INDEX analysis_baselines_computed ON analysis_baselines (device, ifindex, metric) INCLUDE (computed_at);

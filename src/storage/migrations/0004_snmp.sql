-- SNMP extras: the last raw counter reading per device (the baseline the next poll's rates are
-- computed from; any worker may poll any device, so it lives here rather than in memory), and how
-- far each rollup resolution has been computed.
CREATE TABLE snmp_baselines (
  device     text PRIMARY KEY,
  reading    text NOT NULL,            -- JSON, counters as decimal strings (they exceed 2^53)
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rollup_watermarks (
  resolution text PRIMARY KEY,         -- '5m' | '1h'
  done_until timestamptz NOT NULL      -- every bucket that ends at or before this is computed
);

CREATE INDEX rollups_5m_bucket ON rollups_5m (bucket);
CREATE INDEX rollups_1h_bucket ON rollups_1h (bucket);

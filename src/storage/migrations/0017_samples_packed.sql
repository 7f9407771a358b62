-- Compact sample layout (issue 17; numbered after it so parallel work does not collide). `samples` keeps the recent rows as the poller writes them;
-- maintenance compacts every closed hour into one row per interface here, each column an
-- encoded stream (src/metrics/codec.ts: counts delta-coded and varint-packed, lossless).
-- Existing rows in `samples` stay where they are and are compacted by the next maintenance
-- run, so this migration moves no data and cannot lose any.
CREATE TABLE samples_packed (
  device       text NOT NULL,
  ifindex      integer NOT NULL,
  period       timestamptz NOT NULL,     -- start of the hour the samples fall in
  n            integer NOT NULL,         -- samples in the row
  t_first      timestamptz NOT NULL,
  t_last       timestamptz NOT NULL,
  ts           bytea NOT NULL,
  in_bps       bytea NOT NULL,
  out_bps      bytea NOT NULL,
  in_pps       bytea NOT NULL,
  out_pps      bytea NOT NULL,
  in_errors    bytea NOT NULL,
  out_errors   bytea NOT NULL,
  in_discards  bytea NOT NULL,
  out_discards bytea NOT NULL,
  speed_bps    bytea NOT NULL
) PARTITION BY RANGE (period);
CREATE TABLE samples_packed_default PARTITION OF samples_packed DEFAULT;
CREATE UNIQUE INDEX samples_packed_key ON samples_packed (device, ifindex, period);

-- The streams are already dense: compressing them again costs CPU and saves nothing
-- (bench/metrics measured pglz and lz4 on them), so they are stored as they are.
ALTER TABLE samples_packed
  ALTER COLUMN ts SET STORAGE EXTERNAL,
  ALTER COLUMN in_bps SET STORAGE EXTERNAL,
  ALTER COLUMN out_bps SET STORAGE EXTERNAL,
  ALTER COLUMN in_pps SET STORAGE EXTERNAL,
  ALTER COLUMN out_pps SET STORAGE EXTERNAL,
  ALTER COLUMN in_errors SET STORAGE EXTERNAL,
  ALTER COLUMN out_errors SET STORAGE EXTERNAL,
  ALTER COLUMN in_discards SET STORAGE EXTERNAL,
  ALTER COLUMN out_discards SET STORAGE EXTERNAL,
  ALTER COLUMN speed_bps SET STORAGE EXTERNAL;

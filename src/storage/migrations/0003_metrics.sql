-- Interface metrics. Raw samples are partitioned by day (partitions are created ahead by the
-- poller's maintenance job; a DEFAULT partition catches anything outside them). Rates are per
-- second, already corrected for wraps and discontinuities; NULL means "unknown" for that sample.
CREATE TABLE interfaces (
  device       text NOT NULL,
  ifindex      integer NOT NULL,
  name         text NOT NULL,
  alias        text,
  speed_bps    bigint,
  oper_status  text,
  admin_status text,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device, ifindex)
);
CREATE INDEX interfaces_name ON interfaces (device, name);

CREATE TABLE samples (
  device       text NOT NULL,
  ifindex      integer NOT NULL,
  ts           timestamptz NOT NULL,
  in_bps       double precision,
  out_bps      double precision,
  in_pps       double precision,
  out_pps      double precision,
  in_errors    double precision,   -- per second
  out_errors   double precision,
  in_discards  double precision,
  out_discards double precision,
  speed_bps    bigint
) PARTITION BY RANGE (ts);
CREATE TABLE samples_default PARTITION OF samples DEFAULT;
CREATE INDEX samples_device_if_ts ON samples (device, ifindex, ts);

-- Rollups, long format: one row per (device, ifindex, metric, bucket).
-- metric is one of in_bps, out_bps, in_pps, out_pps, in_errors, out_errors, in_discards, out_discards.
CREATE TABLE rollups_5m (
  device  text NOT NULL,
  ifindex integer NOT NULL,
  metric  text NOT NULL,
  bucket  timestamptz NOT NULL,
  n       integer NOT NULL,
  min     double precision,
  avg     double precision,
  max     double precision,
  p95     double precision,
  PRIMARY KEY (device, ifindex, metric, bucket)
);
CREATE TABLE rollups_1h (LIKE rollups_5m INCLUDING ALL);

-- Device-level gauges (CPU, memory, uptime) per poll.
CREATE TABLE device_samples (
  device      text NOT NULL,
  ts          timestamptz NOT NULL,
  uptime_s    double precision,
  cpu_pct     double precision,
  mem_pct     double precision,
  poll_ms     double precision,
  PRIMARY KEY (device, ts)
);

-- Analysis state (issue 14). Baselines are cached profiles rebuilt every few hours from rollups;
-- anomalies are grouped per device into one Slack message that is edited until it clears;
-- feedback tunes one interface's metric (wider band or muted until a time).
CREATE TABLE analysis_baselines (
  device      text NOT NULL,
  ifindex     integer NOT NULL,
  metric      text NOT NULL,
  computed_at timestamptz NOT NULL,
  baseline    jsonb,                    -- null: not enough history yet
  PRIMARY KEY (device, ifindex, metric)
);

CREATE TABLE analysis_daily (
  device  text NOT NULL,
  ifindex integer NOT NULL,
  metric  text NOT NULL,
  day     date NOT NULL,
  p95     double precision NOT NULL,
  n       integer NOT NULL,
  PRIMARY KEY (device, ifindex, metric, day)
);
CREATE INDEX analysis_daily_day ON analysis_daily (metric, day);

CREATE TABLE anomaly_groups (
  id         bigserial PRIMARY KEY,
  device     text NOT NULL,
  channel    text NOT NULL,
  ts         text,                      -- the Slack message, once posted
  opened_at  timestamptz NOT NULL DEFAULT now(),
  closed_at  timestamptz
);
CREATE UNIQUE INDEX anomaly_groups_open ON anomaly_groups (device) WHERE closed_at IS NULL;

CREATE TABLE anomalies (
  id          bigserial PRIMARY KEY,
  group_id    bigint REFERENCES anomaly_groups (id),
  device      text NOT NULL,
  ifindex     integer NOT NULL,
  ifname      text NOT NULL,
  metric      text NOT NULL,            -- in_bps … out_discards, oper_status, speed
  kind        text NOT NULL,
  side        text NOT NULL,
  since       timestamptz NOT NULL,
  detected_at timestamptz NOT NULL,
  cleared_at  timestamptz,
  observed    double precision,
  expected    double precision,
  low         double precision,
  high        double precision,
  peak        double precision,
  explanation text NOT NULL
);
CREATE UNIQUE INDEX anomalies_open ON anomalies (device, ifindex, metric) WHERE cleared_at IS NULL;
CREATE INDEX anomalies_device_time ON anomalies (device, detected_at);
CREATE INDEX anomalies_time ON anomalies (detected_at);

CREATE TABLE anomaly_feedback (
  id          bigserial PRIMARY KEY,
  group_id    bigint NOT NULL REFERENCES anomaly_groups (id),
  user_id     text NOT NULL,
  verdict     text NOT NULL CHECK (verdict IN ('expected', 'real')),
  action      text,                     -- 'mute' | 'widen' | null
  until       timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE analysis_tuning (
  device      text NOT NULL,
  ifindex     integer NOT NULL,
  metric      text NOT NULL,
  band_factor double precision NOT NULL DEFAULT 1,
  muted_until timestamptz,
  PRIMARY KEY (device, ifindex, metric)
);

-- Oper-status observations per interface (last hour) for flap detection, and speed reports made.
CREATE TABLE analysis_iface_state (
  device      text NOT NULL,
  ifindex     integer NOT NULL,
  statuses    jsonb NOT NULL DEFAULT '[]',
  speed_issue text,
  PRIMARY KEY (device, ifindex)
);

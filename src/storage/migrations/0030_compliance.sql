-- Configuration compliance: one row per (device, rule) for the current state, and a history row
-- whenever a device's result for a rule changes, so "since when" is one indexed lookup.
-- version_id has no foreign key: config retention may prune the version a result was computed on.
CREATE TABLE compliance_latest (
  device        text NOT NULL,
  rule          text NOT NULL,
  status        text NOT NULL CHECK (status IN ('compliant', 'noncompliant', 'error')),
  -- When the status last changed: "noncompliant since".
  since         timestamptz NOT NULL,
  version_id    bigint,
  version_n     integer,
  evaluated_at  timestamptz NOT NULL,
  missing       jsonb NOT NULL DEFAULT '[]',
  extra         jsonb NOT NULL DEFAULT '[]',
  error         text,
  PRIMARY KEY (device, rule)
);
CREATE INDEX compliance_latest_rule ON compliance_latest (rule, status);

CREATE TABLE compliance_history (
  id            bigserial PRIMARY KEY,
  device        text NOT NULL,
  rule          text NOT NULL,
  status        text NOT NULL CHECK (status IN ('compliant', 'noncompliant', 'error')),
  version_id    bigint,
  version_n     integer,
  author        text,
  at            timestamptz NOT NULL,
  missing       jsonb NOT NULL DEFAULT '[]',
  extra         jsonb NOT NULL DEFAULT '[]',
  error         text
);
CREATE INDEX compliance_history_device ON compliance_history (device, at DESC, id DESC);
CREATE INDEX compliance_history_rule ON compliance_history (rule, at DESC, id DESC);

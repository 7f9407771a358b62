-- Incidents: alerts from Alertmanager, Grafana or a generic source grouped into one Slack thread each.
-- The partial unique index on (key) for open incidents is what makes two bot replicas receiving the
-- same alert at once open one incident, and so one thread.
CREATE TABLE incidents (
  id            bigserial PRIMARY KEY,
  key           text NOT NULL,                 -- correlation key: device:<name> | group:<groupKey> | site:<site> | alert:<name>
  state         text NOT NULL CHECK (state IN ('firing', 'acknowledged', 'resolved')),
  title         text NOT NULL,
  severity      text,
  site          text,
  devices       text[] NOT NULL DEFAULT '{}',
  channel       text NOT NULL,
  thread_ts     text,                          -- the parent message; NULL until the worker has posted it
  opened_at     timestamptz NOT NULL DEFAULT now(),
  acked_at      timestamptz,
  acked_by      text,
  resolved_at   timestamptz,
  resolved_by   text,                          -- a user id, or 'alert' when every alert resolved
  summary_posted boolean NOT NULL DEFAULT false,
  diagnostics_at timestamptz,
  synced_at     timestamptz(3),                   -- updated_at the parent message last showed
  -- millisecond precision: the worker compares it with what it read (JavaScript dates are milliseconds)
  updated_at    timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX incidents_open_key ON incidents (key) WHERE state <> 'resolved';
CREATE INDEX incidents_opened ON incidents (opened_at DESC);

CREATE TABLE incident_alerts (
  incident_id   bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  fingerprint   text NOT NULL,
  source        text NOT NULL,
  status        text NOT NULL CHECK (status IN ('firing', 'resolved')),
  alertname     text NOT NULL,
  labels        jsonb NOT NULL,
  annotations   jsonb NOT NULL DEFAULT '{}',
  starts_at     timestamptz NOT NULL,
  ends_at       timestamptz,
  received_at   timestamptz NOT NULL DEFAULT now(),
  device_down   boolean NOT NULL DEFAULT false,   -- the alert says the whole device is unreachable
  device        text,
  interface     text,
  PRIMARY KEY (incident_id, fingerprint)
);
CREATE INDEX incident_alerts_fp ON incident_alerts (fingerprint, starts_at DESC);

-- Links between devices (LLDP neighbours from discovery, or declared): a neighbour's interface-down
-- alert joins the incident of a device that is down instead of opening its own.
CREATE TABLE device_links (
  device        text NOT NULL,
  interface     text NOT NULL DEFAULT '',
  neighbor      text NOT NULL,
  neighbor_interface text NOT NULL DEFAULT '',
  seen_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device, interface, neighbor)
);
CREATE INDEX device_links_neighbor ON device_links (neighbor);

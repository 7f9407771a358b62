-- Configuration history: content-addressed blobs + a per-device version list.
-- A version row is written only when the normalised config's sha256 differs from the device's latest.

CREATE TABLE config_blobs (
  sha256  text PRIMARY KEY,                 -- hex of the normalised, scrubbed body
  body    text NOT NULL,
  bytes   integer NOT NULL
);


CREATE TABLE config_versions (
  id            bigserial PRIMARY KEY,
  device        text NOT NULL,
  sha256        text NOT NULL REFERENCES config_blobs (sha256),
  collected_at  timestamptz NOT NULL,
  trigger       text NOT NULL CHECK (trigger IN ('schedule', 'syslog', 'manual', 'change')),
  author        text,
  prev_sha      text,
  -- Set once the change notice reached Slack: a retried backup re-posts a notice that failed.
  notified_at   timestamptz
);
-- Keyset pagination: (device, collected_at DESC, id DESC) serves "latest page" and "page before X"
-- in O(page) at any history length.
CREATE INDEX config_versions_device_time ON config_versions (device, collected_at DESC, id DESC);
-- Blob garbage collection asks "is this sha still referenced?".
CREATE INDEX config_versions_sha ON config_versions (sha256);

-- One row per device: what fleet search scans, and when the device was last checked.
-- `body` duplicates the latest blob on purpose: search is then one parallel scan of one small table
-- instead of a join that would have to skip every historical blob (measured in bench/configs.ts).
CREATE TABLE config_latest (
  device        text PRIMARY KEY,
  sha256        text NOT NULL REFERENCES config_blobs (sha256),
  version_id    bigint NOT NULL,
  collected_at  timestamptz NOT NULL,
  checked_at    timestamptz NOT NULL,
  body          text NOT NULL
);
CREATE INDEX config_latest_sha ON config_latest (sha256);

-- lz4 decompresses several times faster than pglz, and fleet search reads every latest body.
DO $$
BEGIN
  ALTER TABLE config_blobs ALTER COLUMN body SET COMPRESSION lz4;
  ALTER TABLE config_latest ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'lz4 not available; config_blobs.body keeps the default compression';
END $$;

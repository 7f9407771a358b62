-- Change requests: a state machine whose transitions are checked by the database itself, so no code
-- path (two workers, a retried job, a late button click) can move a change where it must not go.
CREATE TABLE change_requests (
  id               text PRIMARY KEY,                 -- CR-<n>, what people type and read
  state            text NOT NULL DEFAULT 'requested' CHECK (state IN (
                     'requested', 'dry_run', 'awaiting_approval', 'approved', 'applying',
                     'confirmed', 'rolled_back', 'failed', 'expired', 'cancelled', 'rejected')),
  devices          text[] NOT NULL CHECK (cardinality(devices) > 0),
  lines            text NOT NULL,
  reason           text NOT NULL,
  ticket           text,
  rollback_minutes integer NOT NULL CHECK (rollback_minutes BETWEEN 1 AND 120),
  checks           jsonb NOT NULL DEFAULT '[]',      -- [{command, expect}] the requester's post-checks
  requester        text NOT NULL,
  approver         text,
  channel          text NOT NULL,
  card_ts          text,                             -- the approval card; reports go in its thread
  hash             text,                             -- sha256 over devices, lines, diffs, config versions
  dry_run          jsonb,                            -- per device: diff, config version, syntax check
  risk             jsonb,
  detail           text,                             -- why it ended where it ended
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  dry_run_at       timestamptz,
  expires_at       timestamptz,
  approved_at      timestamptz,
  finished_at      timestamptz,
  -- An approval only exists with a bound hash and a second person.
  CHECK (approver IS NULL OR (approver <> requester AND hash IS NOT NULL))
);
CREATE SEQUENCE change_request_seq;
CREATE INDEX change_requests_state ON change_requests (state, created_at DESC);
CREATE INDEX change_requests_requester ON change_requests (requester, created_at DESC);

CREATE TABLE change_transitions (
  from_state text NOT NULL,
  to_state   text NOT NULL,
  PRIMARY KEY (from_state, to_state)
);
INSERT INTO change_transitions VALUES
  ('requested', 'dry_run'), ('requested', 'cancelled'), ('requested', 'failed'),
  ('dry_run', 'awaiting_approval'), ('dry_run', 'failed'), ('dry_run', 'cancelled'),
  ('awaiting_approval', 'approved'), ('awaiting_approval', 'rejected'),
  ('awaiting_approval', 'expired'), ('awaiting_approval', 'cancelled'),
  ('approved', 'applying'), ('approved', 'cancelled'), ('approved', 'failed'),
  ('applying', 'confirmed'), ('applying', 'rolled_back'), ('applying', 'failed');

CREATE FUNCTION change_requests_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.state IS DISTINCT FROM OLD.state THEN
    IF NOT EXISTS (SELECT 1 FROM change_transitions WHERE from_state = OLD.state AND to_state = NEW.state) THEN
      RAISE EXCEPTION 'change %: % -> % is not an allowed transition', OLD.id, OLD.state, NEW.state
        USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.state IN ('confirmed', 'rolled_back', 'failed', 'expired', 'cancelled', 'rejected') THEN
      NEW.finished_at := now();
      -- Locks live exactly as long as the change is open.
      DELETE FROM change_locks WHERE change_id = NEW.id;
    END IF;
  END IF;
  -- What was approved cannot be edited afterwards.
  IF OLD.approver IS NOT NULL AND (NEW.lines IS DISTINCT FROM OLD.lines OR NEW.devices IS DISTINCT FROM OLD.devices
      OR NEW.hash IS DISTINCT FROM OLD.hash) THEN
    RAISE EXCEPTION 'change %: approved content cannot change', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END $$;

-- Per-device locks, held from the dry run to the end of the change. The primary key is the lock.
CREATE TABLE change_locks (
  device     text PRIMARY KEY,
  change_id  text NOT NULL REFERENCES change_requests (id) ON DELETE CASCADE,
  held_by    text NOT NULL,
  since      timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER change_requests_guard BEFORE UPDATE ON change_requests
  FOR EACH ROW EXECUTE FUNCTION change_requests_guard();

-- One row per device of a change: where it stands, so a worker that died mid-apply leaves enough
-- behind for recovery to know what the device may hold.
CREATE TABLE change_devices (
  change_id    text NOT NULL REFERENCES change_requests (id) ON DELETE CASCADE,
  device       text NOT NULL,
  wave         integer NOT NULL,
  state        text NOT NULL DEFAULT 'pending' CHECK (state IN (
                 'pending', 'backed_up', 'committing', 'committed', 'confirmed', 'rolled_back',
                 'failed', 'skipped')),
  backup_sha   text,                       -- config_blobs.sha256 of the normalised backup
  backup_version bigint,
  confirm_by   timestamptz,                -- when the device's (or the emulated) timer rolls back
  detail       text,
  checks       jsonb,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (change_id, device)
);

CREATE TABLE approvals (
  id         bigserial PRIMARY KEY,
  change_id  text NOT NULL REFERENCES change_requests (id) ON DELETE CASCADE,
  user_id    text NOT NULL,
  decision   text NOT NULL CHECK (decision IN ('approve', 'reject')),
  hash       text,
  accepted   boolean NOT NULL,
  reason     text,                         -- why a click was refused (own change, scope, stale, expired)
  at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX approvals_change ON approvals (change_id, at);

-- A change may carry different lines per device (fleet-wide compliance remediation: each device gets
-- the vendor-correct lines that fix it) and its own wave plan (a canary, then growing waves).
ALTER TABLE change_requests
  ADD COLUMN device_lines jsonb,   -- {device: "lines"}; absent: every device gets `lines`
  ADD COLUMN waves jsonb;          -- e.g. [1, "10%", "rest"]; absent: a canary, then changes.waveSize

CREATE OR REPLACE FUNCTION change_requests_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.state IS DISTINCT FROM OLD.state THEN
    IF NOT EXISTS (SELECT 1 FROM change_transitions WHERE from_state = OLD.state AND to_state = NEW.state) THEN
      RAISE EXCEPTION 'change %: % -> % is not an allowed transition', OLD.id, OLD.state, NEW.state
        USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.state IN ('confirmed', 'rolled_back', 'failed', 'expired', 'cancelled', 'rejected') THEN
      NEW.finished_at := now();
      DELETE FROM change_locks WHERE change_id = NEW.id;
    END IF;
  END IF;
  -- What was approved cannot be edited afterwards: per-device lines and waves included.
  IF OLD.approver IS NOT NULL AND (NEW.lines IS DISTINCT FROM OLD.lines OR NEW.devices IS DISTINCT FROM OLD.devices
      OR NEW.hash IS DISTINCT FROM OLD.hash OR NEW.device_lines IS DISTINCT FROM OLD.device_lines
      OR NEW.waves IS DISTINCT FROM OLD.waves) THEN
    RAISE EXCEPTION 'change %: approved content cannot change', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END $$;

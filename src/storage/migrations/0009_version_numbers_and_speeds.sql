-- Versions numbered per device (v1, v2, … of each device), not by the global id: a device's first
-- version used to read "v6". Numbers are assigned once and survive retention.
ALTER TABLE config_versions ADD COLUMN n integer;
UPDATE config_versions v SET n = s.n
  FROM (SELECT id, row_number() OVER (PARTITION BY device ORDER BY collected_at, id) AS n
          FROM config_versions) s
 WHERE s.id = v.id;
ALTER TABLE config_versions ALTER COLUMN n SET NOT NULL;
CREATE UNIQUE INDEX config_versions_device_n ON config_versions (device, n);
-- Every insert is numbered here, whoever writes the row; writers serialise per device (the
-- backup's advisory lock), and the unique index catches any that do not.
CREATE FUNCTION config_versions_number() RETURNS trigger AS $$
BEGIN
  IF NEW.n IS NULL THEN
    SELECT COALESCE(max(n), 0) + 1 INTO NEW.n FROM config_versions WHERE device = NEW.device;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER config_versions_number BEFORE INSERT ON config_versions
  FOR EACH ROW EXECUTE FUNCTION config_versions_number();

-- Interface speeds: speed_bps is the speed in use (a netops.yaml override wins); what the device
-- reported is kept beside it, and so is traffic measured above what the reported speed allows
-- (snmpd reports `lo` as 10 Mb/s): that speed is impossible, and users are told so.
ALTER TABLE interfaces
  ADD COLUMN reported_speed_bps bigint,
  ADD COLUMN speed_exceeded_bps double precision,
  ADD COLUMN speed_exceeded_at timestamptz;

-- Policy: which action a request needed, which devices it touched and which rule allowed it, so
-- `/net audit <device>` finds every request about a device and a denial says what was refused.
ALTER TABLE audit
  ADD COLUMN action  text,
  ADD COLUMN devices text[] NOT NULL DEFAULT '{}',
  ADD COLUMN rule    text;              -- policy.grants[N] | default | public
CREATE INDEX audit_devices ON audit USING gin (devices);

-- Core tables: audit trail of every command and job, and the inventory as last reconciled.
CREATE TABLE audit (
  id            bigserial PRIMARY KEY,
  created_at    timestamptz NOT NULL DEFAULT now(),
  source        text NOT NULL,              -- slash | mention | interaction | schedule | webhook
  user_id       text,
  user_name     text,
  team_id       text,
  channel_id    text,
  thread_ts     text,
  message_ts    text,                       -- the progress message the worker edits
  text          text NOT NULL,              -- what the user typed (never a secret: commands take names)
  command       text,
  job_id        text,
  job_name      text,
  status        text NOT NULL,              -- rejected | answered | queued | running | done | failed
  started_at    timestamptz,
  finished_at   timestamptz,
  attempts      integer NOT NULL DEFAULT 0,
  result_summary text,
  error_code    text,
  result_posted_at timestamptz              -- set once the result reached Slack: retries never post twice
);
CREATE UNIQUE INDEX audit_job_id ON audit (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX audit_created ON audit (created_at DESC);
CREATE INDEX audit_user_created ON audit (user_id, created_at DESC);

CREATE TABLE devices (
  name        text PRIMARY KEY,
  vendor      text NOT NULL,
  host        text NOT NULL,
  port        integer NOT NULL,
  site        text,
  role        text,
  tags        text[] NOT NULL DEFAULT '{}',
  attrs       jsonb NOT NULL DEFAULT '{}',
  first_seen  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

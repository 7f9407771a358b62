-- Trigram index for fleet config search at 100,000 devices (issue 17). pg_trgm turns a regex into
-- the trigrams any match must contain, and the GIN index narrows the scan to the configs holding
-- them; the regex still runs on those, so results are the same as a full scan. A regex with no
-- usable trigrams (`^\s+shutdown$`, `.*`) plans as the full parallel scan it always was.
--
-- The extension lives in `public` (shared by every schema, as the operator class must be on the
-- search_path), created once per database; concurrent migrations of two schemas may race on it.
-- A server without the contrib module keeps working: the index is skipped with a notice.
DO $$
BEGIN
  -- two schemas migrating at once would otherwise both try to create it
  PERFORM pg_advisory_xact_lock(hashtext('netops-extension:pg_trgm'));
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
  EXCEPTION
    WHEN unique_violation OR duplicate_object THEN NULL;
  END;
  EXECUTE 'CREATE INDEX config_latest_body_trgm ON config_latest USING gin (body public.gin_trgm_ops)';
EXCEPTION
  WHEN undefined_file OR undefined_object OR insufficient_privilege THEN
    RAISE NOTICE 'pg_trgm unavailable (%): config search scans every config', SQLERRM;
END
$$;

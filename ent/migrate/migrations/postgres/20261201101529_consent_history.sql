-- Hand-written: the consent history is append-only, as the audit trail:
-- the database itself refuses UPDATE, DELETE and TRUNCATE on it. The
-- consent recorded before the history existed (the citizen's
-- privacy_consent, consent_at, consent_scope, consent_expires_at) becomes
-- each citizen's first entry, so the gate of external referrals, which
-- reads the history, stays open for those citizens.
CREATE OR REPLACE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'consent events are append-only';
END $$;
CREATE OR REPLACE TRIGGER consent_events_no_update BEFORE UPDATE OR DELETE ON consent_events
  FOR EACH ROW EXECUTE FUNCTION consent_events_append_only();
CREATE OR REPLACE TRIGGER consent_events_no_truncate BEFORE TRUNCATE ON consent_events
  FOR EACH STATEMENT EXECUTE FUNCTION consent_events_append_only();
INSERT INTO consent_events (kind, at, scope, expires_at, created_at, citizen_id)
  SELECT 'GIVEN', COALESCE(consent_at, created_at), consent_scope, consent_expires_at, updated_at, id
  FROM citizens WHERE privacy_consent;

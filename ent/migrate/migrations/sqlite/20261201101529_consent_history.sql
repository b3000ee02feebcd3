-- atlas:delimiter -- end
-- Hand-written: the consent history is append-only, as the audit trail:
-- the database itself refuses UPDATE and DELETE on it. The consent
-- recorded before the history existed (the citizen's privacy_consent,
-- consent_at, consent_scope, consent_expires_at) becomes each citizen's
-- first entry, so the gate of external referrals, which reads the
-- history, stays open for those citizens.
CREATE TRIGGER IF NOT EXISTS consent_events_no_update BEFORE UPDATE ON consent_events
BEGIN SELECT RAISE(ABORT, 'consent events are append-only'); END;
-- end
CREATE TRIGGER IF NOT EXISTS consent_events_no_delete BEFORE DELETE ON consent_events
BEGIN SELECT RAISE(ABORT, 'consent events are append-only'); END;
-- end
INSERT INTO consent_events (kind, at, scope, expires_at, created_at, citizen_id)
  SELECT 'GIVEN', COALESCE(consent_at, created_at), consent_scope, consent_expires_at, updated_at, id
  FROM citizens WHERE privacy_consent;
-- end

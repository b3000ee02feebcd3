-- Hand-written: the triggers that list, in analytics_pending, the writes
-- the demand figures must follow (internal/rollup), on every path: ent,
-- the import's COPY, and any statement to come. They are ALWAYS triggers,
-- so that they fire also in a session with session_replication_role =
-- replica (the import's fast path sets it to skip foreign-key checks).
-- Statement triggers with transition tables keep a COPY of many rows to
-- one INSERT … SELECT.
CREATE FUNCTION analytics_pending_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' THEN
    INSERT INTO analytics_pending (contact_id, citizen_id) SELECT id, citizen_id FROM new_rows;
  END IF;
  IF TG_OP = 'UPDATE' OR TG_OP = 'DELETE' THEN
    INSERT INTO analytics_pending (contact_id, citizen_id) SELECT id, citizen_id FROM old_rows;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER contacts_pending_insert AFTER INSERT ON contacts
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_pending_contacts();
CREATE TRIGGER contacts_pending_update AFTER UPDATE ON contacts
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_pending_contacts();
CREATE TRIGGER contacts_pending_delete AFTER DELETE ON contacts
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_pending_contacts();

-- A contact's needs and referrals.
CREATE FUNCTION analytics_pending_contact_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' THEN
    INSERT INTO analytics_pending (contact_id) SELECT DISTINCT contact_id FROM new_rows;
  END IF;
  IF TG_OP = 'UPDATE' OR TG_OP = 'DELETE' THEN
    INSERT INTO analytics_pending (contact_id) SELECT DISTINCT contact_id FROM old_rows;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER contact_needs_pending_insert AFTER INSERT ON contact_needs
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_pending_contact_rows();
CREATE TRIGGER contact_needs_pending_update AFTER UPDATE ON contact_needs
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_pending_contact_rows();
CREATE TRIGGER contact_needs_pending_delete AFTER DELETE ON contact_needs
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_pending_contact_rows();
CREATE TRIGGER referrals_pending_insert AFTER INSERT ON referrals
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_pending_contact_rows();
CREATE TRIGGER referrals_pending_delete AFTER DELETE ON referrals
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analytics_pending_contact_rows();
CREATE FUNCTION analytics_pending_referral_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_pending (contact_id) VALUES (NEW.contact_id);
  RETURN NULL;
END $$;
CREATE TRIGGER referrals_pending_status AFTER UPDATE OF status, record_key ON referrals
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.record_key IS DISTINCT FROM NEW.record_key)
  EXECUTE FUNCTION analytics_pending_referral_status();

-- What a contact's keys read of its citizen.
CREATE FUNCTION analytics_pending_citizen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_pending (citizen_id) VALUES (OLD.id);
  RETURN NULL;
END $$;
CREATE TRIGGER citizens_pending_update AFTER UPDATE OF birth_date, sex, citizenship, district_key, record_key ON citizens
  FOR EACH ROW WHEN (OLD.birth_date IS DISTINCT FROM NEW.birth_date OR OLD.sex IS DISTINCT FROM NEW.sex OR OLD.citizenship IS DISTINCT FROM NEW.citizenship OR OLD.district_key IS DISTINCT FROM NEW.district_key OR OLD.record_key IS DISTINCT FROM NEW.record_key)
  EXECUTE FUNCTION analytics_pending_citizen();
CREATE TRIGGER citizens_pending_delete AFTER DELETE ON citizens
  FOR EACH ROW EXECUTE FUNCTION analytics_pending_citizen();

-- Renames that change keys: a need's macro area, an operator's e-mail.
CREATE FUNCTION analytics_pending_need() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_pending (contact_id, citizen_id)
    SELECT id, citizen_id FROM contacts WHERE main_need_id = NEW.id
    UNION SELECT c.id, c.citizen_id FROM contact_needs cn JOIN contacts c ON c.id = cn.contact_id WHERE cn.need_category_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER need_categories_pending_update AFTER UPDATE OF macro_area ON need_categories
  FOR EACH ROW WHEN (OLD.macro_area IS DISTINCT FROM NEW.macro_area) EXECUTE FUNCTION analytics_pending_need();
CREATE FUNCTION analytics_pending_operator() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_pending (contact_id, citizen_id) SELECT id, citizen_id FROM contacts WHERE operator_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER operators_pending_update AFTER UPDATE OF email ON operators
  FOR EACH ROW WHEN (OLD.email IS DISTINCT FROM NEW.email) EXECUTE FUNCTION analytics_pending_operator();

ALTER TABLE contacts ENABLE ALWAYS TRIGGER contacts_pending_insert;
ALTER TABLE contacts ENABLE ALWAYS TRIGGER contacts_pending_update;
ALTER TABLE contacts ENABLE ALWAYS TRIGGER contacts_pending_delete;
ALTER TABLE contact_needs ENABLE ALWAYS TRIGGER contact_needs_pending_insert;
ALTER TABLE contact_needs ENABLE ALWAYS TRIGGER contact_needs_pending_update;
ALTER TABLE contact_needs ENABLE ALWAYS TRIGGER contact_needs_pending_delete;
ALTER TABLE referrals ENABLE ALWAYS TRIGGER referrals_pending_insert;
ALTER TABLE referrals ENABLE ALWAYS TRIGGER referrals_pending_delete;
ALTER TABLE referrals ENABLE ALWAYS TRIGGER referrals_pending_status;
ALTER TABLE citizens ENABLE ALWAYS TRIGGER citizens_pending_update;
ALTER TABLE citizens ENABLE ALWAYS TRIGGER citizens_pending_delete;
ALTER TABLE need_categories ENABLE ALWAYS TRIGGER need_categories_pending_update;
ALTER TABLE operators ENABLE ALWAYS TRIGGER operators_pending_update;

-- The contacts stored before this version get their figures at the next
-- start (or `server migrate up`), which takes up the pending rows.
INSERT INTO analytics_pending (contact_id, citizen_id) SELECT id, citizen_id FROM contacts;

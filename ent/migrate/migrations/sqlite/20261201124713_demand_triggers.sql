-- Hand-written: the triggers that list, in analytics_pending, the writes
-- the demand figures must follow (internal/rollup), on every path.
CREATE TRIGGER contacts_pending_insert AFTER INSERT ON contacts BEGIN
  INSERT INTO analytics_pending (contact_id, citizen_id) VALUES (NEW.id, NEW.citizen_id);
END;
CREATE TRIGGER contacts_pending_update AFTER UPDATE OF occurred_at, citizen_id, target_area, channel, requester, outcome,
  anonymous_sex, anonymous_birth_year, erased_age_band, erased_citizenship, erased_district_key, operator_id, main_need_id, record_key ON contacts BEGIN
  INSERT INTO analytics_pending (contact_id, citizen_id) VALUES (OLD.id, OLD.citizen_id), (NEW.id, NEW.citizen_id);
END;
CREATE TRIGGER contacts_pending_delete AFTER DELETE ON contacts BEGIN
  INSERT INTO analytics_pending (contact_id, citizen_id) VALUES (OLD.id, OLD.citizen_id);
END;
CREATE TRIGGER contact_needs_pending_insert AFTER INSERT ON contact_needs BEGIN
  INSERT INTO analytics_pending (contact_id) VALUES (NEW.contact_id);
END;
CREATE TRIGGER contact_needs_pending_update AFTER UPDATE ON contact_needs BEGIN
  INSERT INTO analytics_pending (contact_id) VALUES (OLD.contact_id), (NEW.contact_id);
END;
CREATE TRIGGER contact_needs_pending_delete AFTER DELETE ON contact_needs BEGIN
  INSERT INTO analytics_pending (contact_id) VALUES (OLD.contact_id);
END;
CREATE TRIGGER referrals_pending_insert AFTER INSERT ON referrals BEGIN
  INSERT INTO analytics_pending (contact_id) VALUES (NEW.contact_id);
END;
CREATE TRIGGER referrals_pending_delete AFTER DELETE ON referrals BEGIN
  INSERT INTO analytics_pending (contact_id) VALUES (OLD.contact_id);
END;
CREATE TRIGGER referrals_pending_status AFTER UPDATE OF status, record_key ON referrals
  WHEN OLD.status IS NOT NEW.status OR OLD.record_key IS NOT NEW.record_key BEGIN
  INSERT INTO analytics_pending (contact_id) VALUES (NEW.contact_id);
END;
CREATE TRIGGER citizens_pending_update AFTER UPDATE OF birth_date, sex, citizenship, district_key, record_key ON citizens
  WHEN OLD.birth_date IS NOT NEW.birth_date OR OLD.sex IS NOT NEW.sex OR OLD.citizenship IS NOT NEW.citizenship OR OLD.district_key IS NOT NEW.district_key OR OLD.record_key IS NOT NEW.record_key BEGIN
  INSERT INTO analytics_pending (citizen_id) VALUES (OLD.id);
END;
CREATE TRIGGER citizens_pending_delete AFTER DELETE ON citizens BEGIN
  INSERT INTO analytics_pending (citizen_id) VALUES (OLD.id);
END;
CREATE TRIGGER need_categories_pending_update AFTER UPDATE OF macro_area ON need_categories WHEN OLD.macro_area IS NOT NEW.macro_area BEGIN
  INSERT INTO analytics_pending (contact_id, citizen_id)
    SELECT id, citizen_id FROM contacts WHERE main_need_id = NEW.id
    UNION SELECT c.id, c.citizen_id FROM contact_needs cn JOIN contacts c ON c.id = cn.contact_id WHERE cn.need_category_id = NEW.id;
END;
CREATE TRIGGER operators_pending_update AFTER UPDATE OF email ON operators WHEN OLD.email IS NOT NEW.email BEGIN
  INSERT INTO analytics_pending (contact_id, citizen_id) SELECT id, citizen_id FROM contacts WHERE operator_id = NEW.id;
END;
-- The contacts stored before this version get their figures at the next
-- start (or `server migrate up`), which takes up the pending rows.
INSERT INTO analytics_pending (contact_id, citizen_id) SELECT id, citizen_id FROM contacts;

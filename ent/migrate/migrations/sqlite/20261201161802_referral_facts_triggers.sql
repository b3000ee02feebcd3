-- Hand-written: the referral funnel's facts and cells (referral_facts,
-- funnel_cells) read the dates of a referral's steps too, so a change of
-- them lists the referral's contact in analytics_pending, as a change of
-- its status does (20261201124713_demand_triggers).
DROP TRIGGER referrals_pending_status;
CREATE TRIGGER referrals_pending_status AFTER UPDATE OF status, record_key, accepted_at, declined_at, completed_at, cancelled_at ON referrals
  WHEN OLD.status IS NOT NEW.status OR OLD.record_key IS NOT NEW.record_key
    OR OLD.accepted_at IS NOT NEW.accepted_at OR OLD.declined_at IS NOT NEW.declined_at
    OR OLD.completed_at IS NOT NEW.completed_at OR OLD.cancelled_at IS NOT NEW.cancelled_at BEGIN
  INSERT INTO analytics_pending (contact_id) VALUES (NEW.contact_id);
END;

-- The referrals stored before this version get their facts and cells at
-- the next start (or `server migrate up`), which takes up the pending
-- rows.
INSERT INTO analytics_pending (contact_id) SELECT DISTINCT contact_id FROM referrals;

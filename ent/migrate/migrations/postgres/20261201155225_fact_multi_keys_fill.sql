-- Hand-written: a fact stored before multi_keys existed has it empty. List
-- every contact in analytics_pending, so that the next start (or `server
-- migrate up`) derives each fact again, multi-valued keys included.
INSERT INTO analytics_pending (contact_id, citizen_id) SELECT id, citizen_id FROM contacts;

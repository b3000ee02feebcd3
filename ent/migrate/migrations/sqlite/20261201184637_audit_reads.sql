-- Hand-written (Atlas would rebuild the table, dropping its append-only
-- triggers): the READ events' records and citizens.
ALTER TABLE `audit_events` ADD COLUMN `records` text NULL;
ALTER TABLE `audit_events` ADD COLUMN `citizens` text NULL;
CREATE INDEX `auditevent_citizens` ON `audit_events` (`citizens`);

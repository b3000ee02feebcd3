-- Add column "erased_age_band" to table: "contacts"
ALTER TABLE `contacts` ADD COLUMN `erased_age_band` text NULL;
-- Add column "erased_citizenship" to table: "contacts"
ALTER TABLE `contacts` ADD COLUMN `erased_citizenship` text NULL;
-- Add column "erased_district" to table: "contacts"
ALTER TABLE `contacts` ADD COLUMN `erased_district` text NULL;
-- Add column "erased_district_key" to table: "contacts"
ALTER TABLE `contacts` ADD COLUMN `erased_district_key` text NULL;
-- Create "consent_events" table
CREATE TABLE `consent_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `kind` text NOT NULL, `at` datetime NOT NULL, `scope` text NULL, `expires_at` datetime NULL, `created_at` datetime NOT NULL, `citizen_id` integer NOT NULL, `recorded_by_id` integer NULL, CONSTRAINT `consent_events_citizens_citizen` FOREIGN KEY (`citizen_id`) REFERENCES `citizens` (`id`) ON DELETE NO ACTION, CONSTRAINT `consent_events_operators_recorded_by` FOREIGN KEY (`recorded_by_id`) REFERENCES `operators` (`id`) ON DELETE SET NULL);
-- Set sequence for "consent_events" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("consent_events", 77309411328);
-- Create index "consentevent_citizen_id_at" to table: "consent_events"
CREATE INDEX `consentevent_citizen_id_at` ON `consent_events` (`citizen_id`, `at`);

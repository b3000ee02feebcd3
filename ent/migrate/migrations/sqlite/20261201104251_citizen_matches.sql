-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_citizens" table
CREATE TABLE `new_citizens` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `record_key` integer NOT NULL, `fiscal_code` text NULL, `first_name` text NULL, `last_name` text NULL, `birth_date` datetime NULL, `sex` text NULL, `citizenship` text NULL, `district` text NULL, `district_key` text NULL, `phone` text NULL, `email` text NULL, `address` text NULL, `privacy_consent` bool NOT NULL DEFAULT (false), `consent_at` datetime NULL, `consent_scope` text NULL, `consent_expires_at` datetime NULL, `pseudonymised_at` datetime NULL, `matched_citizen_id` integer NULL, `holder_id` integer NULL, CONSTRAINT `citizens_citizens_pending_matches` FOREIGN KEY (`matched_citizen_id`) REFERENCES `citizens` (`id`) ON DELETE SET NULL, CONSTRAINT `citizens_operators_citizens` FOREIGN KEY (`holder_id`) REFERENCES `operators` (`id`) ON DELETE SET NULL);
-- Copy rows from old table "citizens" to new temporary table "new_citizens"
INSERT INTO `new_citizens` (`id`, `created_at`, `updated_at`, `version`, `record_key`, `fiscal_code`, `first_name`, `last_name`, `birth_date`, `sex`, `citizenship`, `district`, `district_key`, `phone`, `email`, `address`, `privacy_consent`, `consent_at`, `consent_scope`, `consent_expires_at`, `pseudonymised_at`, `holder_id`) SELECT `id`, `created_at`, `updated_at`, `version`, `record_key`, `fiscal_code`, `first_name`, `last_name`, `birth_date`, `sex`, `citizenship`, `district`, `district_key`, `phone`, `email`, `address`, `privacy_consent`, `consent_at`, `consent_scope`, `consent_expires_at`, `pseudonymised_at`, `holder_id` FROM `citizens`;
-- Drop "citizens" table after copying rows
DROP TABLE `citizens`;
-- Rename temporary table "new_citizens" to "citizens"
ALTER TABLE `new_citizens` RENAME TO `citizens`;
-- Create index "citizen_last_name_first_name" to table: "citizens"
CREATE INDEX `citizen_last_name_first_name` ON `citizens` (`last_name`, `first_name`);
-- Create index "citizen_holder_id" to table: "citizens"
CREATE INDEX `citizen_holder_id` ON `citizens` (`holder_id`);
-- Create index "citizen_fiscal_code" to table: "citizens"
CREATE UNIQUE INDEX `citizen_fiscal_code` ON `citizens` (`fiscal_code`) WHERE matched_citizen_id IS NULL;
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

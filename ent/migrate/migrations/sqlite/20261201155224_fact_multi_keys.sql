-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_contact_facts" table
CREATE TABLE `new_contact_facts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `citizen_id` integer NULL, `operator_id` integer NOT NULL, `day` text NOT NULL, `p_week` text NOT NULL, `p_month` text NOT NULL, `p_quarter` text NOT NULL, `p_year` text NOT NULL, `is_first` integer NOT NULL, `record_key` integer NOT NULL, `citizen_key` integer NULL, `referrals` integer NOT NULL, `referrals_open` integer NOT NULL, `referrals_key` integer NOT NULL, `k_target_area` text NOT NULL, `k_istat_area` text NOT NULL, `k_main_need` text NOT NULL, `k_age_band` text NOT NULL, `k_sex` text NOT NULL, `k_citizenship` text NOT NULL, `k_district` text NOT NULL, `k_channel` text NOT NULL, `k_requester` text NOT NULL, `k_outcome` text NOT NULL, `k_operator` text NOT NULL, `k_access_type` text NOT NULL, `multi_keys` text NOT NULL DEFAULT (''));
-- Set sequence for "new_contact_facts" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_contact_facts", 85899345920);
-- Copy rows from old table "contact_facts" to new temporary table "new_contact_facts"
INSERT INTO `new_contact_facts` (`id`, `citizen_id`, `operator_id`, `day`, `p_week`, `p_month`, `p_quarter`, `p_year`, `is_first`, `record_key`, `citizen_key`, `referrals`, `referrals_open`, `referrals_key`, `k_target_area`, `k_istat_area`, `k_main_need`, `k_age_band`, `k_sex`, `k_citizenship`, `k_district`, `k_channel`, `k_requester`, `k_outcome`, `k_operator`, `k_access_type`) SELECT `id`, `citizen_id`, `operator_id`, `day`, `p_week`, `p_month`, `p_quarter`, `p_year`, `is_first`, `record_key`, `citizen_key`, `referrals`, `referrals_open`, `referrals_key`, `k_target_area`, `k_istat_area`, `k_main_need`, `k_age_band`, `k_sex`, `k_citizenship`, `k_district`, `k_channel`, `k_requester`, `k_outcome`, `k_operator`, `k_access_type` FROM `contact_facts`;
-- Drop "contact_facts" table after copying rows
DROP TABLE `contact_facts`;
-- Rename temporary table "new_contact_facts" to "contact_facts"
ALTER TABLE `new_contact_facts` RENAME TO `contact_facts`;
-- Create index "contactfact_day_id" to table: "contact_facts"
CREATE INDEX `contactfact_day_id` ON `contact_facts` (`day`, `id`);
-- Create index "contactfact_citizen_id_is_first" to table: "contact_facts"
CREATE INDEX `contactfact_citizen_id_is_first` ON `contact_facts` (`citizen_id`, `is_first`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- Create "audit_events" table
CREATE TABLE `audit_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `at` datetime NOT NULL, `operator_id` integer NULL, `operator_email` text NULL, `role` text NULL, `action` text NOT NULL, `entity` text NOT NULL, `entity_id` integer NULL, `request_id` text NULL, `client_addr` text NULL, `detail` text NULL);
-- Set sequence for "audit_events" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("audit_events", 64424509440);
-- Create index "auditevent_entity_entity_id_at" to table: "audit_events"
CREATE INDEX `auditevent_entity_entity_id_at` ON `audit_events` (`entity`, `entity_id`, `at`);
-- Create index "auditevent_operator_id_at" to table: "audit_events"
CREATE INDEX `auditevent_operator_id_at` ON `audit_events` (`operator_id`, `at`);
-- Create "citizens" table
CREATE TABLE `citizens` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `fiscal_code` text NULL, `first_name` text NULL, `last_name` text NULL, `birth_date` datetime NULL, `sex` text NULL, `citizenship` text NULL, `district` text NULL, `district_key` text NULL, `phone` text NULL, `email` text NULL, `address` text NULL, `privacy_consent` bool NOT NULL DEFAULT (false), `consent_at` datetime NULL, `consent_scope` text NULL, `consent_expires_at` datetime NULL, `pseudonymised_at` datetime NULL, `holder_id` integer NULL, CONSTRAINT `citizens_operators_citizens` FOREIGN KEY (`holder_id`) REFERENCES `operators` (`id`) ON DELETE SET NULL);
-- Create index "citizens_fiscal_code_key" to table: "citizens"
CREATE UNIQUE INDEX `citizens_fiscal_code_key` ON `citizens` (`fiscal_code`);
-- Create index "citizen_last_name_first_name" to table: "citizens"
CREATE INDEX `citizen_last_name_first_name` ON `citizens` (`last_name`, `first_name`);
-- Create index "citizen_holder_id" to table: "citizens"
CREATE INDEX `citizen_holder_id` ON `citizens` (`holder_id`);
-- Create "contacts" table
CREATE TABLE `contacts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `contact_ref` text NULL, `occurred_at` datetime NOT NULL, `channel` text NOT NULL, `requester` text NOT NULL, `target_area` text NOT NULL, `responses` json NOT NULL, `outcome` text NOT NULL, `duration_minutes` integer NULL, `notes` text NULL, `anonymous_sex` text NULL, `anonymous_birth_year` integer NULL, `citizen_id` integer NULL, `main_need_id` integer NOT NULL, `operator_id` integer NOT NULL, CONSTRAINT `contacts_citizens_contacts` FOREIGN KEY (`citizen_id`) REFERENCES `citizens` (`id`) ON DELETE SET NULL, CONSTRAINT `contacts_need_categories_main_need` FOREIGN KEY (`main_need_id`) REFERENCES `need_categories` (`id`) ON DELETE NO ACTION, CONSTRAINT `contacts_operators_contacts` FOREIGN KEY (`operator_id`) REFERENCES `operators` (`id`) ON DELETE NO ACTION);
-- Set sequence for "contacts" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("contacts", 4294967296);
-- Create index "contacts_contact_ref_key" to table: "contacts"
CREATE UNIQUE INDEX `contacts_contact_ref_key` ON `contacts` (`contact_ref`);
-- Create index "contact_occurred_at" to table: "contacts"
CREATE INDEX `contact_occurred_at` ON `contacts` (`occurred_at`);
-- Create index "contact_operator_id_occurred_at" to table: "contacts"
CREATE INDEX `contact_operator_id_occurred_at` ON `contacts` (`operator_id`, `occurred_at`);
-- Create index "contact_citizen_id_occurred_at" to table: "contacts"
CREATE INDEX `contact_citizen_id_occurred_at` ON `contacts` (`citizen_id`, `occurred_at`);
-- Create index "contact_main_need_id" to table: "contacts"
CREATE INDEX `contact_main_need_id` ON `contacts` (`main_need_id`);
-- Create "locations" table
CREATE TABLE `locations` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `address` text NOT NULL, `accessible` bool NOT NULL DEFAULT (false), `reserved_rooms` bool NOT NULL DEFAULT (false), `waiting_area` bool NOT NULL DEFAULT (false), `phone` text NULL, `email` text NULL);
-- Set sequence for "locations" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("locations", 8589934592);
-- Create "need_categories" table
CREATE TABLE `need_categories` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `code` text NOT NULL, `macro_area` text NOT NULL, `label_it` text NOT NULL, `label_en` text NOT NULL, `position` integer NOT NULL DEFAULT (0), `active` bool NOT NULL DEFAULT (true));
-- Set sequence for "need_categories" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("need_categories", 12884901888);
-- Create index "need_categories_code_key" to table: "need_categories"
CREATE UNIQUE INDEX `need_categories_code_key` ON `need_categories` (`code`);
-- Create "opening_hours" table
CREATE TABLE `opening_hours` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `weekday` integer NOT NULL, `start` text NOT NULL, `end` text NOT NULL, `valid_from` datetime NULL, `valid_to` datetime NULL, `location_id` integer NULL, CONSTRAINT `opening_hours_locations_hours` FOREIGN KEY (`location_id`) REFERENCES `locations` (`id`) ON DELETE SET NULL);
-- Set sequence for "opening_hours" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("opening_hours", 17179869184);
-- Create "opening_sessions" table
CREATE TABLE `opening_sessions` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `starts_at` datetime NOT NULL, `ends_at` datetime NOT NULL, `notes` text NULL, `location_id` integer NULL, CONSTRAINT `opening_sessions_locations_sessions` FOREIGN KEY (`location_id`) REFERENCES `locations` (`id`) ON DELETE SET NULL);
-- Set sequence for "opening_sessions" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("opening_sessions", 21474836480);
-- Create index "openingsession_starts_at" to table: "opening_sessions"
CREATE INDEX `openingsession_starts_at` ON `opening_sessions` (`starts_at`);
-- Create "operators" table
CREATE TABLE `operators` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `email` text NOT NULL, `role` text NOT NULL, `active` bool NOT NULL DEFAULT (true), `oidc_subject` text NULL, `token_hash` text NULL);
-- Set sequence for "operators" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("operators", 25769803776);
-- Create index "operators_email_key" to table: "operators"
CREATE UNIQUE INDEX `operators_email_key` ON `operators` (`email`);
-- Create index "operators_oidc_subject_key" to table: "operators"
CREATE UNIQUE INDEX `operators_oidc_subject_key` ON `operators` (`oidc_subject`);
-- Create index "operators_token_hash_key" to table: "operators"
CREATE UNIQUE INDEX `operators_token_hash_key` ON `operators` (`token_hash`);
-- Create "referrals" table
CREATE TABLE `referrals` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `status` text NOT NULL DEFAULT ('PROPOSED'), `proposed_at` datetime NOT NULL, `accepted_at` datetime NULL, `declined_at` datetime NULL, `completed_at` datetime NULL, `cancelled_at` datetime NULL, `appointment_at` datetime NULL, `successful` bool NULL, `failure_reason` text NULL, `notes` text NULL, `consent_override` bool NOT NULL DEFAULT (false), `contact_id` integer NOT NULL, `service_id` integer NOT NULL, CONSTRAINT `referrals_contacts_referrals` FOREIGN KEY (`contact_id`) REFERENCES `contacts` (`id`) ON DELETE NO ACTION, CONSTRAINT `referrals_services_service` FOREIGN KEY (`service_id`) REFERENCES `services` (`id`) ON DELETE NO ACTION);
-- Set sequence for "referrals" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("referrals", 30064771072);
-- Create index "referral_status" to table: "referrals"
CREATE INDEX `referral_status` ON `referrals` (`status`);
-- Create index "referral_service_id_proposed_at" to table: "referrals"
CREATE INDEX `referral_service_id_proposed_at` ON `referrals` (`service_id`, `proposed_at`);
-- Create index "referral_contact_id" to table: "referrals"
CREATE INDEX `referral_contact_id` ON `referrals` (`contact_id`);
-- Create "referral_events" table
CREATE TABLE `referral_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `from_status` text NULL, `to_status` text NOT NULL, `at` datetime NOT NULL, `reason` text NULL, `created_at` datetime NOT NULL, `referral_events` integer NOT NULL, `operator_id` integer NULL, CONSTRAINT `referral_events_referrals_events` FOREIGN KEY (`referral_events`) REFERENCES `referrals` (`id`) ON DELETE NO ACTION, CONSTRAINT `referral_events_operators_operator` FOREIGN KEY (`operator_id`) REFERENCES `operators` (`id`) ON DELETE SET NULL);
-- Set sequence for "referral_events" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("referral_events", 34359738368);
-- Create "satisfaction_surveys" table
CREATE TABLE `satisfaction_surveys` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `year` integer NOT NULL, `title` text NOT NULL, `opened_on` datetime NULL, `closed_on` datetime NULL);
-- Set sequence for "satisfaction_surveys" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("satisfaction_surveys", 38654705664);
-- Create "services" table
CREATE TABLE `services` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `code` text NOT NULL, `name` text NOT NULL, `provider` text NOT NULL, `kind` text NOT NULL, `target_areas` json NOT NULL, `internal` bool NOT NULL DEFAULT (false), `location` text NULL, `hours` text NULL, `phone` text NULL, `email` text NULL, `website` text NULL, `active` bool NOT NULL DEFAULT (true));
-- Set sequence for "services" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("services", 42949672960);
-- Create index "services_code_key" to table: "services"
CREATE UNIQUE INDEX `services_code_key` ON `services` (`code`);
-- Create "survey_responses" table
CREATE TABLE `survey_responses` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `answered_on` datetime NOT NULL, `score` integer NOT NULL, `satisfied` bool NOT NULL, `comment` text NULL, `survey_id` integer NOT NULL, CONSTRAINT `survey_responses_satisfaction_surveys_responses` FOREIGN KEY (`survey_id`) REFERENCES `satisfaction_surveys` (`id`) ON DELETE NO ACTION);
-- Set sequence for "survey_responses" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("survey_responses", 47244640256);
-- Create "timetable_publications" table
CREATE TABLE `timetable_publications` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `published_on` datetime NOT NULL, `medium` text NOT NULL, `reference` text NULL);
-- Set sequence for "timetable_publications" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("timetable_publications", 51539607552);
-- Create "trainings" table
CREATE TABLE `trainings` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `title` text NOT NULL, `provider` text NULL, `date` datetime NOT NULL, `days` real NOT NULL, `hours` real NULL, `plan_id` integer NULL, CONSTRAINT `trainings_training_plans_trainings` FOREIGN KEY (`plan_id`) REFERENCES `training_plans` (`id`) ON DELETE SET NULL);
-- Set sequence for "trainings" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("trainings", 55834574848);
-- Create index "training_date" to table: "trainings"
CREATE INDEX `training_date` ON `trainings` (`date`);
-- Create "training_plans" table
CREATE TABLE `training_plans` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `year` integer NOT NULL, `title` text NOT NULL, `approved_at` datetime NULL, `description` text NULL);
-- Set sequence for "training_plans" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("training_plans", 60129542144);
-- Create index "training_plans_year_key" to table: "training_plans"
CREATE UNIQUE INDEX `training_plans_year_key` ON `training_plans` (`year`);
-- Create "citizen_shared_with" table
CREATE TABLE `citizen_shared_with` (`citizen_id` integer NOT NULL, `operator_id` integer NOT NULL, PRIMARY KEY (`citizen_id`, `operator_id`), CONSTRAINT `citizen_shared_with_citizen_id` FOREIGN KEY (`citizen_id`) REFERENCES `citizens` (`id`) ON DELETE CASCADE, CONSTRAINT `citizen_shared_with_operator_id` FOREIGN KEY (`operator_id`) REFERENCES `operators` (`id`) ON DELETE CASCADE);
-- Create "contact_needs" table
CREATE TABLE `contact_needs` (`contact_id` integer NOT NULL, `need_category_id` integer NOT NULL, PRIMARY KEY (`contact_id`, `need_category_id`), CONSTRAINT `contact_needs_contact_id` FOREIGN KEY (`contact_id`) REFERENCES `contacts` (`id`) ON DELETE CASCADE, CONSTRAINT `contact_needs_need_category_id` FOREIGN KEY (`need_category_id`) REFERENCES `need_categories` (`id`) ON DELETE CASCADE);
-- Create "contact_informed_about" table
CREATE TABLE `contact_informed_about` (`contact_id` integer NOT NULL, `service_id` integer NOT NULL, PRIMARY KEY (`contact_id`, `service_id`), CONSTRAINT `contact_informed_about_contact_id` FOREIGN KEY (`contact_id`) REFERENCES `contacts` (`id`) ON DELETE CASCADE, CONSTRAINT `contact_informed_about_service_id` FOREIGN KEY (`service_id`) REFERENCES `services` (`id`) ON DELETE CASCADE);
-- Create "training_attendees" table
CREATE TABLE `training_attendees` (`training_id` integer NOT NULL, `operator_id` integer NOT NULL, PRIMARY KEY (`training_id`, `operator_id`), CONSTRAINT `training_attendees_training_id` FOREIGN KEY (`training_id`) REFERENCES `trainings` (`id`) ON DELETE CASCADE, CONSTRAINT `training_attendees_operator_id` FOREIGN KEY (`operator_id`) REFERENCES `operators` (`id`) ON DELETE CASCADE);

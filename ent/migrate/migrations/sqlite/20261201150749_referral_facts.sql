-- Create "referral_facts" table
CREATE TABLE `referral_facts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `contact_id` integer NOT NULL, `service_id` integer NOT NULL, `day` text NOT NULL, `p_week` text NOT NULL, `p_month` text NOT NULL, `p_quarter` text NOT NULL, `p_year` text NOT NULL, `accepted` integer NOT NULL, `declined` integer NOT NULL, `completed` integer NOT NULL, `cancelled` integer NOT NULL, `days_to_acceptance` integer NULL, `days_to_completion` integer NULL, `record_key` integer NOT NULL);
-- Set sequence for "referral_facts" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("referral_facts", 98784247808);
-- Create index "referralfact_day" to table: "referral_facts"
CREATE INDEX `referralfact_day` ON `referral_facts` (`day`);
-- Create index "referralfact_contact_id" to table: "referral_facts"
CREATE INDEX `referralfact_contact_id` ON `referral_facts` (`contact_id`);

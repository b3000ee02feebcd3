-- Create index "contactfact_day_caseload" to table: "contact_facts"
CREATE INDEX `contactfact_day_caseload` ON `contact_facts` (`day`) WHERE referrals_open > 0 OR k_outcome = 'FOLLOW_UP';
-- Create "funnel_cells" table
CREATE TABLE `funnel_cells` (`id` text NOT NULL, `grain` text NOT NULL, `period` text NOT NULL, `service_id` integer NOT NULL, `proposed` integer NOT NULL, `proposed_key` integer NOT NULL, `accepted` integer NOT NULL, `accepted_key` integer NOT NULL, `declined` integer NOT NULL, `declined_key` integer NOT NULL, `completed` integer NOT NULL, `completed_key` integer NOT NULL, `cancelled` integer NOT NULL, `cancelled_key` integer NOT NULL, `to_acceptance` text NOT NULL, `to_completion` text NOT NULL, PRIMARY KEY (`id`));
-- Set sequence for "funnel_cells" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("funnel_cells", 103079215104);
-- Create index "funnelcell_grain_period" to table: "funnel_cells"
CREATE INDEX `funnelcell_grain_period` ON `funnel_cells` (`grain`, `period`);
-- Create "referral_facts" table
CREATE TABLE `referral_facts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `contact_id` integer NOT NULL, `service_id` integer NOT NULL, `day` text NOT NULL, `p_week` text NOT NULL, `p_month` text NOT NULL, `p_quarter` text NOT NULL, `p_year` text NOT NULL, `accepted` integer NOT NULL, `declined` integer NOT NULL, `completed` integer NOT NULL, `cancelled` integer NOT NULL, `days_to_acceptance` integer NULL, `days_to_completion` integer NULL, `record_key` integer NOT NULL);
-- Set sequence for "referral_facts" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("referral_facts", 98784247808);
-- Create index "referralfact_day" to table: "referral_facts"
CREATE INDEX `referralfact_day` ON `referral_facts` (`day`);
-- Create index "referralfact_contact_id" to table: "referral_facts"
CREATE INDEX `referralfact_contact_id` ON `referral_facts` (`contact_id`);

-- Create "analytics_pending" table
CREATE TABLE `analytics_pending` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `contact_id` integer NULL, `citizen_id` integer NULL, `period` text NULL);
-- Set sequence for "analytics_pending" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("analytics_pending", 81604378624);
-- Create "contact_facts" table
CREATE TABLE `contact_facts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `citizen_id` integer NULL, `operator_id` integer NOT NULL, `day` text NOT NULL, `p_week` text NOT NULL, `p_month` text NOT NULL, `p_quarter` text NOT NULL, `p_year` text NOT NULL, `is_first` integer NOT NULL, `record_key` integer NOT NULL, `citizen_key` integer NULL, `referrals` integer NOT NULL, `referrals_open` integer NOT NULL, `referrals_key` integer NOT NULL, `k_target_area` text NOT NULL, `k_istat_area` text NOT NULL, `k_main_need` text NOT NULL, `k_age_band` text NOT NULL, `k_sex` text NOT NULL, `k_citizenship` text NOT NULL, `k_district` text NOT NULL, `k_channel` text NOT NULL, `k_requester` text NOT NULL, `k_outcome` text NOT NULL, `k_operator` text NOT NULL, `k_access_type` text NOT NULL);
-- Set sequence for "contact_facts" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("contact_facts", 85899345920);
-- Create index "contactfact_day" to table: "contact_facts"
CREATE INDEX `contactfact_day` ON `contact_facts` (`day`);
-- Create index "contactfact_citizen_id" to table: "contact_facts"
CREATE INDEX `contactfact_citizen_id` ON `contact_facts` (`citizen_id`);
-- Create "contact_fact_values" table
CREATE TABLE `contact_fact_values` (`id` text NOT NULL, `contact_id` integer NOT NULL, `dim` text NOT NULL, `key` text NOT NULL, `parent` text NOT NULL DEFAULT (''), `referrals` integer NOT NULL DEFAULT (0), `referrals_open` integer NOT NULL DEFAULT (0), `referrals_key` integer NOT NULL DEFAULT (0), PRIMARY KEY (`id`));
-- Set sequence for "contact_fact_values" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("contact_fact_values", 90194313216);
-- Create index "contactfactvalue_contact_id_dim" to table: "contact_fact_values"
CREATE INDEX `contactfactvalue_contact_id_dim` ON `contact_fact_values` (`contact_id`, `dim`);
-- Create "demand_cells" table
CREATE TABLE `demand_cells` (`id` text NOT NULL, `grain` text NOT NULL, `dim` text NOT NULL, `period` text NOT NULL, `key` text NOT NULL, `contacts` integer NOT NULL, `new_citizens` integer NOT NULL, `referrals` integer NOT NULL, `contacts_key` integer NOT NULL, `new_key` integer NOT NULL, `referrals_key` integer NOT NULL, `citizens` blob NOT NULL, PRIMARY KEY (`id`));
-- Set sequence for "demand_cells" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("demand_cells", 94489280512);
-- Create index "demandcell_grain_dim_period" to table: "demand_cells"
CREATE INDEX `demandcell_grain_dim_period` ON `demand_cells` (`grain`, `dim`, `period`);

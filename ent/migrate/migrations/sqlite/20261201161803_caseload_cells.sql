-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Drop index "contactfact_day_caseload" from table: "contact_facts"
DROP INDEX `contactfact_day_caseload`;
-- Create "new_demand_cells" table
CREATE TABLE `new_demand_cells` (`id` text NOT NULL, `grain` text NOT NULL, `dim` text NOT NULL, `period` text NOT NULL, `key` text NOT NULL, `contacts` integer NOT NULL, `new_citizens` integer NOT NULL, `referrals` integer NOT NULL, `contacts_key` integer NOT NULL, `new_key` integer NOT NULL, `referrals_key` integer NOT NULL, `referrals_open` integer NOT NULL DEFAULT (0), `follow_ups` integer NOT NULL DEFAULT (0), `citizens` blob NOT NULL, PRIMARY KEY (`id`));
-- Set sequence for "new_demand_cells" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_demand_cells", 94489280512);
-- Copy rows from old table "demand_cells" to new temporary table "new_demand_cells"
INSERT INTO `new_demand_cells` (`id`, `grain`, `dim`, `period`, `key`, `contacts`, `new_citizens`, `referrals`, `contacts_key`, `new_key`, `referrals_key`, `citizens`) SELECT `id`, `grain`, `dim`, `period`, `key`, `contacts`, `new_citizens`, `referrals`, `contacts_key`, `new_key`, `referrals_key`, `citizens` FROM `demand_cells`;
-- Drop "demand_cells" table after copying rows
DROP TABLE `demand_cells`;
-- Rename temporary table "new_demand_cells" to "demand_cells"
ALTER TABLE `new_demand_cells` RENAME TO `demand_cells`;
-- Create index "demandcell_grain_dim_period" to table: "demand_cells"
CREATE INDEX `demandcell_grain_dim_period` ON `demand_cells` (`grain`, `dim`, `period`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- Create "service_secrets" table
CREATE TABLE `service_secrets` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` text NOT NULL, `value` blob NOT NULL, `created_at` datetime NOT NULL);
-- Set sequence for "service_secrets" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("service_secrets", 73014444032);
-- Create index "service_secrets_name_key" to table: "service_secrets"
CREATE UNIQUE INDEX `service_secrets_name_key` ON `service_secrets` (`name`);

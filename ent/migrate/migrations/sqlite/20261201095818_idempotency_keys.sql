-- Create "idempotency_keys" table
CREATE TABLE `idempotency_keys` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `operator_id` integer NOT NULL, `key` text NOT NULL, `fingerprint` text NOT NULL, `created_at` datetime NOT NULL, `expires_at` datetime NOT NULL, `status` integer NULL, `content_type` text NULL, `body` blob NULL);
-- Set sequence for "idempotency_keys" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("idempotency_keys", 68719476736);
-- Create index "idempotencykey_operator_id_key" to table: "idempotency_keys"
CREATE UNIQUE INDEX `idempotencykey_operator_id_key` ON `idempotency_keys` (`operator_id`, `key`);
-- Create index "idempotencykey_expires_at" to table: "idempotency_keys"
CREATE INDEX `idempotencykey_expires_at` ON `idempotency_keys` (`expires_at`);

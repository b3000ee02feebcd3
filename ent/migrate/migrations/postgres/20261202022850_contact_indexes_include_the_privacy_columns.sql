-- Drop index "contact_citizen_id_occurred_at" from table: "contacts"
DROP INDEX "contact_citizen_id_occurred_at";
-- Drop index "contact_operator_id_occurred_at" from table: "contacts"
DROP INDEX "contact_operator_id_occurred_at";
-- Create index "contact_citizen_id_occurred_at" to table: "contacts"
CREATE INDEX "contact_citizen_id_occurred_at" ON "contacts" ("citizen_id", "occurred_at") INCLUDE ("operator_id");
-- Create index "contact_operator_id_occurred_at" to table: "contacts"
CREATE INDEX "contact_operator_id_occurred_at" ON "contacts" ("operator_id", "occurred_at") INCLUDE ("target_area", "id", "citizen_id");

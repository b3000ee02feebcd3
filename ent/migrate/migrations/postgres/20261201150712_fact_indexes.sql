-- Drop index "contactfact_citizen_id" from table: "contact_facts"
DROP INDEX "contactfact_citizen_id";
-- Drop index "contactfact_day" from table: "contact_facts"
DROP INDEX "contactfact_day";
-- Create index "contactfact_citizen_id_is_first" to table: "contact_facts"
CREATE INDEX "contactfact_citizen_id_is_first" ON "contact_facts" ("citizen_id", "is_first");
-- Create index "contactfact_day_id" to table: "contact_facts"
CREATE INDEX "contactfact_day_id" ON "contact_facts" ("day", "id");

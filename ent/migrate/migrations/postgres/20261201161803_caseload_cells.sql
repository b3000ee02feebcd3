-- Drop index "contactfact_day_caseload" from table: "contact_facts"
DROP INDEX "contactfact_day_caseload";
-- Modify "demand_cells" table
ALTER TABLE "demand_cells" ADD COLUMN "referrals_open" bigint NOT NULL DEFAULT 0, ADD COLUMN "follow_ups" bigint NOT NULL DEFAULT 0;

-- Drop index "citizens_fiscal_code_key" from table: "citizens"
DROP INDEX "citizens_fiscal_code_key";
-- Modify "citizens" table
ALTER TABLE "citizens" ADD COLUMN "matched_citizen_id" bigint NULL, ADD CONSTRAINT "citizens_citizens_pending_matches" FOREIGN KEY ("matched_citizen_id") REFERENCES "citizens" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- Create index "citizen_fiscal_code" to table: "citizens"
CREATE UNIQUE INDEX "citizen_fiscal_code" ON "citizens" ("fiscal_code") WHERE (matched_citizen_id IS NULL);

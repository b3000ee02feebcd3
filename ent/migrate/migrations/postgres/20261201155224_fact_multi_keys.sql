-- Modify "contact_facts" table
ALTER TABLE "contact_facts" ADD COLUMN "multi_keys" text NOT NULL DEFAULT '';

-- Record keys of the cell-key perturbation (internal/cellkey): a random
-- integer in [0, 4096) per counted record, existing rows included.
ALTER TABLE "citizens" ADD COLUMN "record_key" bigint NULL;
UPDATE "citizens" SET "record_key" = floor(random() * 4096);
ALTER TABLE "citizens" ALTER COLUMN "record_key" SET NOT NULL;
ALTER TABLE "contacts" ADD COLUMN "record_key" bigint NULL;
UPDATE "contacts" SET "record_key" = floor(random() * 4096);
ALTER TABLE "contacts" ALTER COLUMN "record_key" SET NOT NULL;
ALTER TABLE "referrals" ADD COLUMN "record_key" bigint NULL;
UPDATE "referrals" SET "record_key" = floor(random() * 4096);
ALTER TABLE "referrals" ALTER COLUMN "record_key" SET NOT NULL;

-- Modify "audit_events" table
ALTER TABLE "audit_events" ADD COLUMN "records" text NULL, ADD COLUMN "citizens" bigint[] NULL;
-- Create index "auditevent_citizens" to table: "audit_events"
CREATE INDEX "auditevent_citizens" ON "audit_events" USING gin ("citizens");

-- Create index "referralevent_referral_events" to table: "referral_events"
CREATE INDEX "referralevent_referral_events" ON "referral_events" ("referral_events");

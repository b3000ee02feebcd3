-- Create index "contactfact_day_caseload" to table: "contact_facts"
CREATE INDEX "contactfact_day_caseload" ON "contact_facts" ("day") INCLUDE ("operator_id", "referrals_open", "k_outcome") WHERE ((referrals_open > 0) OR ((k_outcome)::text = 'FOLLOW_UP'::text));

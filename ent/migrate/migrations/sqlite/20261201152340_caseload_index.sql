-- Create index "contactfact_day_caseload" to table: "contact_facts"
CREATE INDEX `contactfact_day_caseload` ON `contact_facts` (`day`) WHERE referrals_open > 0 OR k_outcome = 'FOLLOW_UP';

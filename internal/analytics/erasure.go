package analytics

// Erased citizens (internal/dsr) keep neither birth date, citizenship nor
// district: their erasure copied, onto each of their contacts, the age band
// at the contact and the citizenship and district, which AGE_BAND,
// CITIZENSHIP and DISTRICT read when the citizen's record has none. The
// figures are the same before and after an erasure.

// erasedDistricts counts the erased citizens of each district spelling, as
// districtSpellings counts the others.
const erasedDistricts = "SELECT erased_district_key, erased_district, COUNT(DISTINCT citizen_id) FROM contacts" +
	" WHERE erased_district_key IS NOT NULL AND erased_district IS NOT NULL AND citizen_id IS NOT NULL" +
	" GROUP BY erased_district_key, erased_district"

package server_test

import (
	"sort"
	"strings"
	"testing"

	"segretariato/ent/migrate"
)

// uniqueDecisions says, for every unique column, unique index and
// composite key of the database, who may write the value and why no one
// learns from a duplicate whether a record they may not see holds it. A
// new unique value without an entry fails TestEveryUniqueValueIsDecided:
// decide it here (and in the README's table).
var uniqueDecisions = map[string]string{
	"citizens.fiscal_code":                         "social workers and the coordinator; a social worker who does not hold the citizen with the code records a pending match, answered as a new citizen (TestNoUniqueValueOracle)",
	"contacts.contact_ref":                         "the coordinator (API and import) only; a social worker's write is refused whatever the value (TestNoUniqueValueOracle)",
	"need_categories.code":                         "the coordinator and the admin, who read every category",
	"services.code":                                "the coordinator and the admin, who read every service",
	"training_plans.year":                          "the coordinator and the admin, who read every plan",
	"operators.email":                              "the coordinator (updateOperator) and the command line; the coordinator reads every operator",
	"operators.oidc_subject":                       "the coordinator and the command line, as the e-mail",
	"operators.token_hash":                         "the service alone (not in the schema)",
	"service_secrets.name":                         "the service alone (not in the schema)",
	"idempotency_keys.operator_id,key":             "per operator: two operators' keys never meet (TestIdempotencyKey)",
	"citizen_shared_with.citizen_id,operator_id":   "the coordinator (shareCitizen)",
	"contact_needs.contact_id,need_category_id":    "whoever may change the contact: the row is theirs to see",
	"contact_informed_about.contact_id,service_id": "whoever may change the contact: the row is theirs to see",
	"training_attendees.training_id,operator_id":   "the coordinator and the admin (trainings)",
}

func TestEveryUniqueValueIsDecided(t *testing.T) {
	found := map[string]bool{}
	for _, table := range migrate.Tables {
		for _, c := range table.Columns {
			if c.Unique {
				found[table.Name+"."+c.Name] = true
			}
		}
		for _, ix := range table.Indexes {
			if ix.Unique {
				var cols []string
				for _, c := range ix.Columns {
					cols = append(cols, c.Name)
				}
				found[table.Name+"."+strings.Join(cols, ",")] = true
			}
		}
		if len(table.PrimaryKey) > 1 {
			var cols []string
			for _, c := range table.PrimaryKey {
				cols = append(cols, c.Name)
			}
			found[table.Name+"."+strings.Join(cols, ",")] = true
		}
	}
	var keys []string
	for k := range found {
		keys = append(keys, k)
		if uniqueDecisions[k] == "" {
			t.Errorf("%s is unique but nobody decided who may write it: add it to uniqueDecisions", k)
		}
	}
	for k := range uniqueDecisions {
		if !found[k] {
			t.Errorf("uniqueDecisions names %s, which is not unique (any more)", k)
		}
	}
	sort.Strings(keys)
	t.Logf("unique values: %v", keys)
}

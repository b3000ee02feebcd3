package server_test

import (
	"encoding/json"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"segretariato/ent/contact"
	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/sample"
	"segretariato/internal/server/apitest"
)

// TestImportEncodingThroughTheAPI: importIntakeCards names the encoding it
// read, and a windows-1252 upload stores the right text.
func TestImportEncodingThroughTheAPI(t *testing.T) {
	const mutation = `mutation($file: Upload!) {
  importIntakeCards(file: $file) { accepted errorCount summary { contactsCreated encoding } }
}`
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		sampleOperators(t, db)
		_, coord := api.Operator(t, schematype.RoleCoordinator)
		row := func(ref string) string {
			return ref + ";14/03/2025 16:45;IN_PERSON;" + sample.OperatorEmails(t)[0] +
				";SELF;ELDERLY;CARE_HOME;INFORMATION;REFERRED_EXTERNAL;SAD|CARITAS;ACCEPTED|PROPOSED;Affitto 450 €, è seguita a Città Sant’Angelo\r\n"
		}
		header := "contact_ref;occurred_at;channel;operator_email;requester;target_area;needs;responses;outcome;referral_service;referral_status;notes\r\n"
		win, err := charmap.Windows1252.NewEncoder().String(header + row("W-1"))
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ ref, data, want string }{
			{"W-1", win, "windows-1252"},
			{"U-1", header + row("U-1"), "UTF-8"},
		} {
			r := api.Upload(t, coord, mutation, nil, "file", "schede.csv", []byte(tc.data))
			var out struct {
				ImportIntakeCards struct {
					Accepted bool
					Summary  *struct {
						ContactsCreated int
						Encoding        string
					}
				}
			}
			if err := json.Unmarshal(r.Data, &out); err != nil {
				t.Fatalf("%s: %v: %s", tc.want, err, r.Body)
			}
			if s := out.ImportIntakeCards.Summary; !out.ImportIntakeCards.Accepted || s == nil || s.Encoding != tc.want || s.ContactsCreated != 1 {
				t.Errorf("%s upload: %s", tc.want, r.Body)
			}
		}
		for _, ref := range []string{"W-1", "U-1"} {
			c := db.Client.Contact.Query().Where(contact.ContactRef(ref)).WithReferrals().OnlyX(sys(t))
			if c.Notes != "Affitto 450 €, è seguita a Città Sant’Angelo" || len(c.Edges.Referrals) != 2 {
				t.Errorf("%s stored with notes %q and %d referrals", ref, c.Notes, len(c.Edges.Referrals))
			}
		}
	})
}

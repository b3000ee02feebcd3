package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/sample"
	"segretariato/internal/server"
	"segretariato/internal/server/apitest"
)

const importMutation = `mutation($file: Upload!, $dry: Boolean) {
  importIntakeCards(file: $file, dryRun: $dry) {
    accepted errorCount headerError
    summary { rows contactsCreated contactsUpdated contactsUnchanged citizensCreated citizensMatched anonymous referrals dryRun }
    errors { line column reason }
  }
}`

type importOut struct {
	ImportIntakeCards struct {
		Accepted    bool    `json:"accepted"`
		ErrorCount  int     `json:"errorCount"`
		HeaderError *string `json:"headerError"`
		Summary     *struct {
			Rows, ContactsCreated, ContactsUpdated, ContactsUnchanged, CitizensCreated, Anonymous int
			DryRun                                                                                bool
		} `json:"summary"`
		Errors []struct {
			Line           int
			Column, Reason string
		} `json:"errors"`
	} `json:"importIntakeCards"`
}

// sampleOperators creates the sample's social workers.
func sampleOperators(t *testing.T, db *database.DB) { sample.CreateOperators(t, db.Client) }

func readSample(t *testing.T, name string) []byte { return sample.File(t, name) }

func TestImportAndExportThroughTheAPI(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, db *database.DB) {
		api := apitest.New(t, db)
		sampleOperators(t, db)
		_, coord := api.Operator(t, schematype.RoleCoordinator)
		_, sw := api.Operator(t, schematype.RoleSocialWorker)
		sample := readSample(t, "intake-sample.csv")
		upload := func(tok string, content []byte, dry bool) (importOut, apitest.Response) {
			r := api.Upload(t, tok, importMutation, map[string]any{"dry": dry}, "file", "schede.csv", content)
			var out importOut
			if len(r.Data) > 0 {
				_ = json.Unmarshal(r.Data, &out)
			}
			return out, r
		}

		if _, r := upload(sw, sample, false); r.Code() != "FORBIDDEN" {
			t.Errorf("a social worker imported: %s", r.Body)
		}
		out, r := upload(coord, sample, true)
		if s := out.ImportIntakeCards.Summary; s == nil || !s.DryRun || s.Rows != 600 {
			t.Fatalf("dry run: %s", r.Body)
		}
		if n := db.Client.Contact.Query().CountX(sys(t)); n != 0 {
			t.Fatalf("the dry run wrote %d contacts", n)
		}
		out, r = upload(coord, sample, false)
		if s := out.ImportIntakeCards.Summary; s == nil || s.ContactsCreated != 600 || s.Anonymous != 78 || s.CitizensCreated != 182 {
			t.Fatalf("import: %s", r.Body)
		}
		out, _ = upload(coord, sample, false)
		if s := out.ImportIntakeCards.Summary; s == nil || s.ContactsCreated != 0 || s.ContactsUpdated != 0 || s.CitizensCreated != 0 {
			t.Errorf("a second import changed something: %+v", s)
		}
		out, r = upload(coord, readSample(t, "intake-sample.invalid.csv"), false)
		if out.ImportIntakeCards.Accepted || out.ImportIntakeCards.ErrorCount < 8 || len(out.ImportIntakeCards.Errors) < 8 {
			t.Errorf("the invalid sample: %s", r.Body)
		}
		out, _ = upload(coord, []byte("contact_ref;occured_at\n"), false)
		if out.ImportIntakeCards.Accepted || out.ImportIntakeCards.HeaderError == nil {
			t.Errorf("a bad header: %+v", out.ImportIntakeCards)
		}
		// A multipart request without the preflight-forcing header is refused.
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader("--x--"))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		req.Header.Set("Authorization", "Bearer "+coord)
		if r := api.Send(t, req); r.Status != http.StatusBadRequest {
			t.Errorf("multipart without preflight header: %d", r.Status)
		}

		// The download: the coordinator's, without notes unless asked.
		get := func(tok, query string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodGet, "/export/contacts.csv"+query, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			api.Handler.ServeHTTP(rec, req)
			return rec
		}
		if rec := get(sw, ""); rec.Code != http.StatusForbidden {
			t.Errorf("a social worker downloaded: %d", rec.Code)
		}
		rec := get(coord, "?from=2025-01-01&to=2025-12-31")
		lines := bytes.Count(rec.Body.Bytes(), []byte("\nSEG-"))
		if rec.Code != 200 || lines < 280 || bytes.Contains(rec.Body.Bytes(), []byte("madre allettata")) {
			t.Errorf("download: %d, %d contacts of 2025, notes present: %v", rec.Code, lines, bytes.Contains(rec.Body.Bytes(), []byte("madre allettata")))
		}
		rec = get(coord, "?notes=1&excel=1")
		if !bytes.HasPrefix(rec.Body.Bytes(), []byte("\xef\xbb\xbf")) || !bytes.Contains(rec.Body.Bytes(), []byte("madre allettata")) {
			t.Errorf("Excel download with notes: no BOM or no notes")
		}
		if rec := get(coord, "?from=yesterday"); rec.Code != http.StatusBadRequest {
			t.Errorf("a bad date: %d", rec.Code)
		}
	})
}

func getWith(api *apitest.API, token, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, req)
	return rec
}

func TestUploadSizeLimit(t *testing.T) {
	db := dbtest.Open(t, "sqlite3", database.Options{})
	api := apitest.New(t, db, func(o *server.Options) { o.MaxBodyBytes, o.MaxUploadBytes = 1024, 8192 })
	_, coord := api.Operator(t, schematype.RoleCoordinator)
	small := []byte("contact_ref\n")
	if r := api.Upload(t, coord, importMutation, nil, "file", "schede.csv", small); r.Status != http.StatusOK {
		t.Fatalf("an upload under the limit: %d %s", r.Status, r.Body)
	}
	r := api.Upload(t, coord, importMutation, nil, "file", "schede.csv", bytes.Repeat([]byte("x"), 16384))
	if r.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("an upload over the limit: %d %s", r.Status, r.Body)
	}
	// The upload limit is the multipart requests' own: after one, a JSON
	// request is held to the GraphQL limit again.
	if r := api.Do(t, coord, `{ me { email } }`, map[string]any{"pad": strings.Repeat("x", 2048)}); r.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 KiB JSON request after an upload: %d", r.Status)
	}
}

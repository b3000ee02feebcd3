package server_test

import (
	"net/http"
	"strconv"
	"testing"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/database/dbtest"
	"segretariato/internal/server/apitest"
)

// BenchmarkIdempotencyKey: a createContact through the handler without a
// key, with a new key (claim, answer in the transaction), and a retry
// answered from the store.
//
//	TEST_DATABASE_URL=… go test ./internal/server/ -run '^$' -bench IdempotencyKey -benchtime 300x
func BenchmarkIdempotencyKey(b *testing.B) {
	for _, kind := range dbtest.Kinds(b) {
		db := dbtest.Open(b, kind, database.Options{})
		api := apitest.New(b, db)
		_, coord := api.Operator(b, schematype.RoleCoordinator)
		body := contactBody(b, needID(b, api, coord), "misura")
		run := func(b *testing.B, key func(i int) string) {
			for i := 0; b.Loop(); i++ {
				if a := post(b, api.Handler, coord, key(i), body); a.status != http.StatusOK {
					b.Fatalf("%d %s", a.status, a.body)
				}
			}
		}
		b.Run(kind+"/no key", func(b *testing.B) { run(b, func(int) string { return "" }) })
		b.Run(kind+"/new key", func(b *testing.B) {
			run(b, func(i int) string { return b.Name() + strconv.Itoa(i) })
		})
		b.Run(kind+"/replay", func(b *testing.B) { run(b, func(int) string { return "k-bench-replay" }) })
	}
}

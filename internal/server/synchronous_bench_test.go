package server_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"segretariato/ent/schema/schematype"
	"segretariato/internal/database"
	"segretariato/internal/refdata"
	"segretariato/internal/server/apitest"
	"segretariato/internal/wiring"
)

// BenchmarkSQLiteSynchronous measures small acknowledged writes (one
// createContact mutation, its transaction and audit event) through the
// real handler on a SQLite file with synchronous NORMAL and FULL, one
// client and eight at once, side by side in one run (BENCHMARKS.md).
func BenchmarkSQLiteSynchronous(b *testing.B) {
	for _, mode := range []string{"NORMAL", "FULL"} {
		for _, clients := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/clients=%d", mode, clients), func(b *testing.B) {
				db, err := wiring.Open(b.Context(), "sqlite:"+filepath.Join(b.TempDir(), "bench.db"), database.Options{SQLiteSynchronous: mode})
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				if _, err := refdata.Load(b.Context(), db.Client); err != nil {
					b.Fatal(err)
				}
				api := apitest.New(b, db)
				_, token := api.Operator(b, schematype.RoleCoordinator)
				var need struct {
					NeedCategories struct {
						Edges []struct{ Node struct{ ID string } }
					} `json:"needCategories"`
				}
				api.MustDo(b, token, `{ needCategories(first: 1) { edges { node { id } } } }`, nil, &need)
				n := need.NeedCategories.Edges[0].Node.ID
				var seq atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				for range clients {
					wg.Go(func() {
						for i := seq.Add(1); i <= int64(b.N); i = seq.Add(1) {
							ref := fmt.Sprintf("B-%d", i)
							if r := api.Do(b, token, createContact, map[string]any{"ref": ref, "n": n}); r.Status != 200 || len(r.Errors) > 0 {
								b.Errorf("mutation: %d %s", r.Status, r.Body)
								return
							}
						}
					})
				}
				wg.Wait()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mutations/s")
			})
		}
	}
}

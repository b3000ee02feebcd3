package apitest

import "testing"

// IDByCode returns, as token sees it, the id of the reference record with
// the code in a connection with a code filter: "services" or
// "needCategories".
func (a *API) IDByCode(t testing.TB, token, connection, code string) string {
	t.Helper()
	var out map[string]struct {
		Edges []struct{ Node struct{ ID string } }
	}
	a.MustDo(t, token, `query($c: String!) { `+connection+`(where: {code: $c}) { edges { node { id } } } }`, map[string]any{"c": code}, &out)
	if len(out[connection].Edges) != 1 {
		t.Fatalf("%s %s not found", connection, code)
	}
	return out[connection].Edges[0].Node.ID
}

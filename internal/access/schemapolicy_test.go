package access_test

import (
	"slices"
	"testing"

	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

// withoutPolicy loads the ent schema package at dir as entc does and
// returns the entities that have no privacy policy (neither their own nor
// a mixin's).
func withoutPolicy(t *testing.T, dir string) []string {
	t.Helper()
	g, err := entc.LoadGraph(dir, &gen.Config{})
	if err != nil {
		t.Fatalf("loading the schema %s: %v", dir, err)
	}
	if len(g.Nodes) == 0 {
		t.Fatalf("no entity in %s", dir)
	}
	var missing []string
	for _, n := range g.Nodes {
		if n.NumPolicy() == 0 {
			missing = append(missing, n.Name)
		}
	}
	return missing
}

// An entity without a privacy policy is open to everyone (ent allows what
// no policy denies), and node(id) reaches it from any role: every entity
// of the schema must have one.
func TestEveryEntityHasAPrivacyPolicy(t *testing.T) {
	if missing := withoutPolicy(t, "../../ent/schema"); len(missing) > 0 {
		t.Errorf("entities without a privacy policy (add Policy() with a rule of internal/access): %v", missing)
	}
	// The check itself: a made-up schema with an entity without one.
	if missing := withoutPolicy(t, "./testdata/nopolicy"); !slices.Equal(missing, []string{"Owner"}) {
		t.Errorf("the made-up schema's entities without a policy: %v, want [Owner]", missing)
	}
}

// Command gqlgenrun is gqlgen's generate with one plugin of the project's:
// the fields of the API's objects are resolved one after another, not a
// goroutine each. `go generate ./...` runs it from the module root, with
// gqlgen.yml.
//
// gqlgen starts a goroutine for every field with a resolver or a method
// taking a context, in every row: a page of 50 contacts with their
// citizen, main need, needs and referrals started about 300, whose stacks
// grew and were scheduled for fields that only read what the page's
// queries had already loaded (ent's eager loading, the reference-data
// cache, the per-request facts of the privacy rules), so concurrency
// bought nothing. The query root keeps its concurrency: a dashboard asks
// several answers at once (BENCHMARKS.md).
package main

import (
	"log"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("gqlgenrun: ")
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		log.Fatal(err)
	}
	if err := api.Generate(cfg, api.AddPlugin(inOrder{})); err != nil {
		log.Fatal(err)
	}
}

// inOrder resolves the fields of every object but the query root in order.
type inOrder struct{}

func (inOrder) Name() string { return "inorder" }

func (inOrder) GenerateCode(data *codegen.Data) error {
	for _, o := range data.Objects {
		if o.Name != "Query" {
			o.DisableConcurrency = true
		}
	}
	return nil
}

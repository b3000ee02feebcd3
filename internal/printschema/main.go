// Command printschema writes the schema the server serves, printed as
// GraphQL SDL, to the file named by its argument: docs/schema.graphql,
// which tools (GraphQL Code Generator, Apollo's editors, Postman) read
// without a running server. `go generate ./...` runs it after gqlgen, so
// the committed file is checked like the rest of the generated code.
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/vektah/gqlparser/v2/formatter"

	"segretariato/graph/generated"
)

const header = `# The GraphQL schema the server serves: written by internal/printschema
# (go generate ./...) from the executable schema; do not edit.
`

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: printschema FILE")
		os.Exit(2)
	}
	var b bytes.Buffer
	b.WriteString(header)
	b.WriteString("\n")
	formatter.NewFormatter(&b).FormatSchema(generated.NewExecutableSchema(generated.Config{}).Schema())
	if err := os.WriteFile(os.Args[1], b.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

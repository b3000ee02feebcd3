package server

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"segretariato/internal/apperr"
)

// Limits bound what one GraphQL request may ask for, in the spirit of
// graphql-armor's defaults (aliases 15, directives 50, tokens 1000, depth
// 6, cost 5000), adapted to this schema: a Relay connection adds two
// levels (edges, node) to every object level, so the depth is counted
// twice as deep; and the cost prices every connection by its page and
// every analytics answer by the cells it can produce, where graphql-armor
// gives each object a fixed cost. Zero values take the defaults.
type Limits struct {
	// MaxTokens bounds the lexical tokens of a query document (default
	// 1000; the standard introspection query has 184).
	MaxTokens int
	// MaxAliases bounds the aliased fields of a document (default 15).
	MaxAliases int
	// MaxRepeats bounds how often one selection set may name the same
	// field (its response name) or spread the same fragment (default 5).
	MaxRepeats int
	// MaxDirectives bounds the directives of a document (default 50).
	MaxDirectives int
	// MaxDepth bounds how deep an operation nests, fragments included
	// (default 12: six object levels through connections).
	MaxDepth int
	// MaxStringLength bounds every string argument, inline or in the
	// variables, in characters (default 10000: the longest text the
	// service stores, a contact's or referral's notes).
	MaxStringLength int
	// MaxListLength bounds every list argument, inline or in the
	// variables (default 1000).
	MaxListLength int
}

// Default request limits (see Limits).
const (
	DefaultMaxTokens       = 1000
	DefaultMaxAliases      = 15
	DefaultMaxRepeats      = 5
	DefaultMaxDirectives   = 50
	DefaultMaxDepth        = 12
	DefaultMaxStringLength = 10000
	DefaultMaxListLength   = 1000
)

func (l *Limits) defaults() {
	for _, f := range []struct {
		p   *int
		def int
	}{
		{&l.MaxTokens, DefaultMaxTokens}, {&l.MaxAliases, DefaultMaxAliases}, {&l.MaxRepeats, DefaultMaxRepeats},
		{&l.MaxDirectives, DefaultMaxDirectives}, {&l.MaxDepth, DefaultMaxDepth},
		{&l.MaxStringLength, DefaultMaxStringLength}, {&l.MaxListLength, DefaultMaxListLength},
	} {
		if *f.p <= 0 {
			*f.p = f.def
		}
	}
}

// documentLimits refuses a query document over the token, alias,
// repetition and directive limits, or whose inline values hold a NUL
// character, a string or a list over its limit, before gqlgen parses and
// validates it: validation itself (gqlparser's OverlappingFieldsCanBeMerged
// compares the fields of a selection set pairwise) takes seconds on a
// document of thousands of repeated fields. A document already in the
// query cache passed these checks and is not looked at again.
type documentLimits struct {
	Limits
	cache graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = documentLimits{}

func (documentLimits) ExtensionName() string                   { return "DocumentLimits" }
func (documentLimits) Validate(graphql.ExecutableSchema) error { return nil }

func (l documentLimits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil
	}
	if _, ok := l.cache.Get(ctx, p.Query); ok {
		return nil
	}
	if strings.IndexByte(p.Query, 0) >= 0 {
		return refuse(apperr.Invalid, "the request contains a NUL character")
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, l.MaxTokens)
	if err != nil {
		if strings.Contains(err.Error(), "exceeded token limit") {
			return refuse(apperr.Invalid, "the query has more than %d tokens", l.MaxTokens)
		}
		return nil // a syntax error: gqlgen's parser reports it
	}
	c := &docCounter{Limits: l.Limits}
	for _, op := range doc.Operations {
		c.directives(op.Directives)
		for _, v := range op.VariableDefinitions {
			c.directives(v.Directives)
			c.value(v.DefaultValue)
		}
		c.selections(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		c.directives(f.Directives)
		c.selections(f.SelectionSet)
	}
	return c.err
}

// docCounter walks a document as written (a fragment once, however often
// it is spread), stopping at the first limit passed.
type docCounter struct {
	Limits
	aliases, directiveCount int
	err                     *gqlerror.Error
}

func (c *docCounter) selections(set ast.SelectionSet) {
	seen := map[string]int{}
	for _, s := range set {
		if c.err != nil {
			return
		}
		switch s := s.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				if c.aliases++; c.aliases > c.MaxAliases {
					c.err = refuse(apperr.Invalid, "the query has more than %d aliases", c.MaxAliases)
					return
				}
			}
			c.repeat(seen, s.Alias, "field "+s.Alias)
			for _, a := range s.Arguments {
				c.value(a.Value)
			}
			c.directives(s.Directives)
			c.selections(s.SelectionSet)
		case *ast.InlineFragment:
			c.directives(s.Directives)
			c.selections(s.SelectionSet)
		case *ast.FragmentSpread:
			c.repeat(seen, "..."+s.Name, "fragment "+s.Name)
			c.directives(s.Directives)
		}
	}
}

func (c *docCounter) repeat(seen map[string]int, key, what string) {
	if seen[key]++; seen[key] > c.MaxRepeats && c.err == nil {
		c.err = refuse(apperr.Invalid, "the query names %s more than %d times in one selection set", what, c.MaxRepeats)
	}
}

func (c *docCounter) directives(list ast.DirectiveList) {
	for _, d := range list {
		if c.directiveCount++; c.directiveCount > c.MaxDirectives && c.err == nil {
			c.err = refuse(apperr.Invalid, "the query has more than %d directives", c.MaxDirectives)
		}
		for _, a := range d.Arguments {
			c.value(a.Value)
		}
	}
}

// value checks an inline value: its strings (block strings included)
// against NUL and MaxStringLength, its lists against MaxListLength.
func (c *docCounter) value(v *ast.Value) {
	if v == nil || c.err != nil {
		return
	}
	switch v.Kind {
	case ast.StringValue, ast.BlockValue:
		c.err = checkString(v.Raw, c.MaxStringLength)
	case ast.ListValue:
		if len(v.Children) > c.MaxListLength {
			c.err = refuse(apperr.Invalid, "a list argument has more than %d items", c.MaxListLength)
			return
		}
	}
	for _, ch := range v.Children {
		c.value(ch.Value)
	}
}

func checkString(s string, max int) *gqlerror.Error {
	if strings.IndexByte(s, 0) >= 0 {
		return refuse(apperr.Invalid, "the request contains a NUL character")
	}
	if len(s) > max && utf8.RuneCountInString(s) > max {
		return refuse(apperr.Invalid, "a string argument has more than %d characters", max)
	}
	return nil
}

// checkVariables holds the variables to the same rules as inline values:
// no NUL character (in an upload's file name either), strings of at most
// MaxStringLength characters, lists of at most MaxListLength items.
func (l Limits) checkVariables(v any) *gqlerror.Error {
	switch v := v.(type) {
	case string:
		return checkString(v, l.MaxStringLength)
	case graphql.Upload:
		if strings.IndexByte(v.Filename, 0) >= 0 {
			return refuse(apperr.Invalid, "the request contains a NUL character")
		}
	case *graphql.Upload:
		if v != nil {
			return l.checkVariables(*v)
		}
	case map[string]any:
		for _, x := range v {
			if err := l.checkVariables(x); err != nil {
				return err
			}
		}
	case []any:
		if len(v) > l.MaxListLength {
			return refuse(apperr.Invalid, "a list argument has more than %d items", l.MaxListLength)
		}
		for _, x := range v {
			if err := l.checkVariables(x); err != nil {
				return err
			}
		}
	}
	return nil
}

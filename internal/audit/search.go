package audit

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"

	"segretariato/ent"
	"segretariato/ent/auditevent"
	"segretariato/ent/predicate"
	"segretariato/ent/servicesecret"
	"segretariato/internal/access/system"
	"segretariato/internal/apperr"
	"segretariato/internal/metrics"
)

// Search is the action of a query that filters on a field identifying a
// person (fiscal code, names, …): looking for someone is a look at them,
// whether or not anything comes back, and a count is enough to learn that
// a fiscal code is known to the service.
const Search = "SEARCH"

// A SEARCH event names the entity and the fields searched and, for each
// value searched, a keyed hash (HMAC-SHA-256, cut to 128 bits) of the
// value normalised (spaces trimmed and collapsed, upper case), never the
// value itself: whoever reads the trail learns who searched which fields,
// and, given a value, whether someone searched for it (SearchedFor), but
// cannot read the values back nor test guesses without the key.
//
// The key is AUDIT_SEARCH_KEY when set; otherwise the service makes one on
// its first start and keeps it in the database (service_secrets), so that
// every instance hashes alike.

// searchKeyName is the key's name among the service's secrets.
const searchKeyName = "audit_search_key"

// SearchTerm is one test of a field in a search: the where operator ("" is
// equality, HasPrefix, In, IsNil, …) and the value tested.
type SearchTerm struct {
	Entity, Field, Op string
	Value             any
}

// Searches records searches; its zero value is not usable, see NewSearches.
type Searches struct {
	mu  sync.Mutex
	key []byte
}

// NewSearches hashes with key; an empty key is read from the database, or
// made and stored there, on first use.
func NewSearches(key string) *Searches {
	s := &Searches{}
	if key != "" {
		s.key = []byte(key)
	}
	return s
}

// Load reads (or makes) the key now, with c (not a transaction).
func (s *Searches) Load(ctx context.Context, c *ent.Client) error {
	_, err := s.keyOf(ctx, c)
	return err
}

func (s *Searches) keyOf(ctx context.Context, c *ent.Client) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	sys := system.Context(ctx)
	read := func() ([]byte, error) {
		sec, err := c.ServiceSecret.Query().Where(servicesecret.Name(searchKeyName)).Only(sys)
		if err != nil {
			return nil, err
		}
		return sec.Value, nil
	}
	key, err := read()
	if ent.IsNotFound(err) {
		made := make([]byte, 32)
		_, _ = rand.Read(made)
		if err = c.ServiceSecret.Create().SetName(searchKeyName).SetValue(made).Exec(sys); err == nil {
			key = made
		} else if ent.IsConstraintError(err) {
			key, err = read() // another instance made it first
		}
	}
	if err != nil {
		return nil, fmt.Errorf("reading the audit search key: %w", err)
	}
	s.key = key
	return key, nil
}

// normalise is how a searched value is compared: spaces trimmed and
// collapsed, upper case (fiscal codes are stored upper case; names are
// searched case-insensitively as often as not).
func normalise(v string) string { return strings.ToUpper(strings.Join(strings.Fields(v), " ")) }

func digest(key []byte, v string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(normalise(v)))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// values lists the values a term tests: none for IsNil and NotNil, each
// element of an In list.
func values(v any) []string {
	switch v := v.(type) {
	case bool:
		return nil
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, values(e)...)
		}
		return out
	case nil:
		return nil
	}
	return []string{fmt.Sprint(v)}
}

// maxDetail is the detail column's length.
const maxDetail = 500

// Record writes the SEARCH events of one query, one per entity searched
// (more when its terms do not fit one detail), with the client of the
// context's transaction when there is one: if they cannot be written, the
// query fails, as for reads.
func (s *Searches) Record(ctx context.Context, base *ent.Client, terms []SearchTerm) error {
	if len(terms) == 0 || isInternal(ctx) {
		return nil
	}
	key, err := s.keyOf(ctx, base)
	if err != nil {
		return err
	}
	c := clientOf(ctx, base)
	byEntity := map[string][]SearchTerm{}
	var entities []string
	for _, t := range terms {
		if _, ok := byEntity[t.Entity]; !ok {
			entities = append(entities, t.Entity)
		}
		byEntity[t.Entity] = append(byEntity[t.Entity], t)
	}
	var bulk []*ent.AuditEventCreate
	for _, entity := range entities {
		for _, d := range details(key, byEntity[entity]) {
			if e := event(ctx, c, Search, entity, nil); e != nil {
				bulk = append(bulk, e.SetDetail(d))
			}
		}
	}
	if len(bulk) == 0 {
		return nil
	}
	if err := c.AuditEvent.CreateBulk(bulk...).Exec(ctx); err != nil {
		return writeFailed(ctx, metrics.AuditRead, err)
	}
	return nil
}

// partial reports whether a where operator tests a part of the value.
func partial(op string) bool {
	return strings.Contains(op, "Contains") || strings.HasSuffix(op, "Prefix") || strings.HasSuffix(op, "Suffix")
}

// details writes an entity's terms as "fields=a,b; a=<hash>; b.HasPrefix~<hash>; b.IsNil",
// in as many details as they need.
func details(key []byte, terms []SearchTerm) []string {
	var fields, parts []string
	for _, t := range terms {
		if !slices.Contains(fields, t.Field) {
			fields = append(fields, t.Field)
		}
		name := t.Field
		if t.Op != "" {
			name += "." + t.Op
		}
		vs := values(t.Value)
		if len(vs) == 0 {
			parts = append(parts, name)
		}
		mark := "="
		if partial(t.Op) {
			mark = "~"
		}
		for _, v := range vs {
			parts = append(parts, name+mark+digest(key, v))
		}
	}
	slices.Sort(fields)
	head := "fields=" + strings.Join(fields, ",")
	var out []string
	cur := head
	for _, p := range parts {
		if len(cur)+2+len(p) > maxDetail && cur != head {
			out = append(out, cur)
			cur = head
		}
		cur += "; " + p
	}
	return append(out, cur)
}

// maxSearchedFor bounds SearchedFor's value: its parts are as many as the
// square of its length over two.
const maxSearchedFor = 32

// SearchedFor returns the SEARCH events, newest first, at most limit, whose
// terms tested value: equal to it, or, for the partial operators
// (HasPrefix, HasSuffix, Contains…), one of its parts. It answers "who
// searched for this fiscal code?" without the trail holding any code.
func (s *Searches) SearchedFor(ctx context.Context, c *ent.Client, value string, limit int) ([]*ent.AuditEvent, error) {
	key, err := s.keyOf(ctx, c)
	if err != nil {
		return nil, err
	}
	v := []rune(normalise(value))
	if len(v) == 0 || len(v) > maxSearchedFor {
		return nil, apperr.OnField("value", "must have 1 to %d characters", maxSearchedFor)
	}
	preds := []predicate.AuditEvent{auditevent.DetailContains("=" + digest(key, string(v)))}
	seen := map[string]bool{}
	for i := range v {
		for j := i + 1; j <= len(v); j++ {
			if part := string(v[i:j]); !seen[part] {
				seen[part] = true
				preds = append(preds, auditevent.DetailContains("~"+digest(key, part)))
			}
		}
	}
	return c.AuditEvent.Query().Where(auditevent.Action(Search), auditevent.Or(preds...)).
		Order(ent.Desc(auditevent.FieldAt), ent.Desc(auditevent.FieldID)).Limit(limit).All(ctx)
}

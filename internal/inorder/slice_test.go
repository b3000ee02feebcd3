package inorder

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// TestMarshalSliceKeepsGqlgensContract: every element is marshalled in
// order with its index in its field context, and one that panics reads
// null with the panic reported, the others unharmed.
func TestMarshalSliceKeepsGqlgensContract(t *testing.T) {
	recovered := func(_ context.Context, p any) error { return fmt.Errorf("recovered: %v", p) }
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, recovered)
	var order []int
	got := MarshalSlice(ctx, 3, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		if idx := graphql.GetFieldContext(ctx).Index; idx == nil || *idx != i {
			t.Errorf("element %d has index %v in its field context", i, idx)
		}
		order = append(order, i)
		if i == 1 {
			panic("boom")
		}
		return graphql.MarshalInt(i * 10)
	})
	var buf bytes.Buffer
	got.MarshalGQL(&buf)
	if buf.String() != "[0,null,20]" {
		t.Errorf("marshalled %s, want [0,null,20]", buf.String())
	}
	if len(order) != 3 || order[0] != 0 || order[1] != 1 || order[2] != 2 {
		t.Errorf("elements marshalled in the order %v", order)
	}
	if errs := graphql.GetErrors(ctx); len(errs) != 1 || errs[0].Message != "recovered: boom" {
		t.Errorf("reported %v for one panic, want the recovered boom", errs)
	}
}

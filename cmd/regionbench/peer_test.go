package main

import (
	"encoding/json"
	"testing"
)

// TestPeerPageReadsAsTheAPIPage: PostGraphile's page and this API's page
// of the same contacts give the same figures (so the comparison checks
// that both servers return the same rows), and a different row does not.
func TestPeerPageReadsAsTheAPIPage(t *testing.T) {
	api := `{"contacts": {"totalCount": 2, "edges": [
	  {"node": {"id": "7", "needs": [{"code": "B"}, {"code": "A"}], "referrals": [{"status": "PROPOSED", "service": {"code": "SSP"}}]}},
	  {"node": {"id": "5", "needs": [{"code": "A"}], "referrals": []}}]}}`
	peer := `{"allContacts": {"totalCount": 2, "nodes": [
	  {"id": "7", "contactNeedsByContactId": {"nodes": [{"needCategoryByNeedCategoryId": {"code": "A"}}, {"needCategoryByNeedCategoryId": {"code": "B"}}]},
	   "referralsByContactId": {"nodes": [{"status": "PROPOSED", "serviceByServiceId": {"code": "SSP"}}]}},
	  {"id": "5", "contactNeedsByContactId": {"nodes": [{"needCategoryByNeedCategoryId": {"code": "A"}}]}, "referralsByContactId": {"nodes": []}}]}}`
	h, err := answerNamed("h")
	if err != nil {
		t.Fatal(err)
	}
	want, err := h.decode(json.RawMessage(api))
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodePeer(json.RawMessage(peer))
	if err != nil {
		t.Fatal(err)
	}
	if diff := compare(got, want); diff != "" || len(got) != 3 {
		t.Errorf("the same page reads differently (%d figures):\n%s", len(got), diff)
	}
	other, err := decodePeer(json.RawMessage(`{"allContacts": {"totalCount": 2, "nodes": [{"id": "7"}, {"id": "5"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if compare(other, want) == "" {
		t.Error("a page without the needs and referrals reads as the full one")
	}
}

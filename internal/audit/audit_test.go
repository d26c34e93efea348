package audit

import (
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
)

func chain(n int) []Entry {
	a := guanxi.Actor{UserID: 7, Username: "zhangsan", Addr: "10.0.0.1", Role: guanxi.RoleAgent}
	prev := ""
	var out []Entry
	for i := range n {
		e := New(a, ActionUpdate, "customer", guanxi.ID(i+1), map[string]any{"i": i}).ForCustomer(guanxi.ID(i + 1))
		e.Seq, e.At, e.PrevHash = int64(i+1), time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), prev
		e.Hash = ComputeHash(e, prev)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func TestVerify(t *testing.T) {
	es := chain(5)
	if b := Verify(es, "", 0); b != 0 {
		t.Fatalf("intact chain broken at %d", b)
	}
	es[2].Outcome = "denied"
	if b := Verify(es, "", 0); b != 3 {
		t.Fatalf("edited row 3: broken at %d", b)
	}
	es = chain(5)
	if b := Verify(append(es[:1], es[2:]...), "", 0); b != 3 {
		t.Fatalf("removed row 2: broken at %d", b)
	}
}

func TestHashFieldsDoNotRun(t *testing.T) {
	// Length prefixes keep "ab"+"c" and "a"+"bc" apart.
	a := Entry{ActorName: "ab", Addr: "c"}
	b := Entry{ActorName: "a", Addr: "bc"}
	if ComputeHash(a, "") == ComputeHash(b, "") {
		t.Fatal("field boundaries are not part of the hash")
	}
}

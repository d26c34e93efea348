package app

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/fieldcrypt"
)

type countsStore struct {
	m     map[string]map[uint32]int
	err   error
	calls int
}

func (s *countsStore) SealedCounts(context.Context) (map[string]map[uint32]int, error) {
	s.calls++
	return s.m, s.err
}

// TestEncryptionStatus: columns in name order, one count per key aligned
// with the keys (zero where a key sealed nothing), plaintext apart, a key
// id the key file lacks shown after the key file's keys; a role without
// audit.read or settings.admin is refused before anything is counted.
func TestEncryptionStatus(t *testing.T) {
	ring := fieldcrypt.Derived("status test")
	st := &countsStore{m: map[string]map[uint32]int{
		"user_mfa.secret":     {},
		"customers.id_number": {0: 2, 1: 5, 7: 1},
	}}
	e := &Encryption{Store: st, Keys: ring}
	ctx := context.Background()

	for _, role := range []guanxi.Role{guanxi.RoleAgent, guanxi.RoleManager, guanxi.RoleCredit} {
		if _, err := e.Status(ctx, guanxi.Actor{UserID: 9, Role: role}); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Errorf("%s: %v", role, err)
		}
	}
	if st.calls != 0 {
		t.Fatalf("refused callers counted %d times", st.calls)
	}

	got, err := e.Status(ctx, guanxi.Actor{UserID: 1, Role: guanxi.RoleAuditor})
	if err != nil {
		t.Fatal(err)
	}
	fp1, _ := ring.Fingerprint(1)
	blind, _ := ring.Fingerprint(0)
	want := EncryptionStatus{Enabled: true, Primary: 1, BlindFingerprint: blind,
		Keys: []EncryptionKey{{ID: 1, Fingerprint: fp1, Primary: true, InKeyFile: true}, {ID: 7}},
		Columns: []SealedColumn{
			{Column: "customers.id_number", Total: 8, Plaintext: 2, ByKey: []KeyCount{{1, 5}, {7, 1}}},
			{Column: "user_mfa.secret", ByKey: []KeyCount{{1, 0}, {7, 0}}},
		}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("status\n got %+v\nwant %+v", got, want)
	}
	if _, err := e.Status(ctx, guanxi.Actor{UserID: 1, Role: guanxi.RoleAdmin}); err != nil {
		t.Fatalf("admin: %v", err)
	}
	st.err = errors.New("db down")
	if _, err := e.Status(ctx, guanxi.Actor{UserID: 1, Role: guanxi.RoleAdmin}); err == nil {
		t.Fatal("a store error was swallowed")
	}
}

package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/api"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
)

// residentID is a valid 居民身份证 number ending in n (0–99 before the
// check digit).
func residentID(n int) string {
	first17 := fmt.Sprintf("110105194912310%02d", n)
	return first17 + string(customer.ResidentCheckDigit(first17))
}

// TestEncryptionStatusAPI: after three customers with ID numbers are
// created and one stored value is left as legacy plaintext, the auditor
// and the administrator read the keys (fingerprints only) and the counts
// by key; an agent, a manager and a credit officer get 403, anonymous 401.
func TestEncryptionStatusAPI(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		env := servertest.New(t, s)
		ctx := context.Background()
		a := env.Actor("agent_a1")
		var ids []string
		for i := range 3 {
			ids = append(ids, residentID(10+i))
			c := &customer.Customer{Kind: customer.Person, Name: fmt.Sprintf("加密%d", i), Mobile: fmt.Sprintf("1360013610%d", i),
				IDType: customer.IDResident, IDNumber: ids[i], OwnerID: a.UserID, Stage: customer.StageCustomer, Market: customer.MarketPersonal}
			if err := env.App.Customers.Create(ctx, a, c); err != nil {
				t.Fatal(err)
			}
		}
		// A database written before encryption holds plaintext numbers.
		legacy := env.Customer(t, "agent_a1", "明文", "13600136109")
		plain := residentID(20)
		if _, err := s.DB().Exec(fmt.Sprintf("UPDATE customers SET id_number = '%s' WHERE id = %d", plain, legacy.ID)); err != nil {
			t.Fatal(err)
		}
		h := env.Server.Config.Handler
		ring := s.Keys()
		blind, _ := ring.Fingerprint(0)
		primaryFP, _ := ring.Fingerprint(ring.Primary())

		for _, who := range []string{"auditor", "admin"} {
			rec := serve(h, "GET", "/api/v1/system/encryption", env.Token(t, who), "", nil)
			if rec.Code != 200 {
				t.Fatalf("%s: %d %s", who, rec.Code, rec.Body)
			}
			body := rec.Body.String()
			for _, leak := range append(ids, plain, "gx1:") {
				if strings.Contains(body, leak) {
					t.Fatalf("%s: the answer holds %q", who, leak)
				}
			}
			for _, field := range []string{`"primary_key_id"`, `"blind_index_fingerprint"`, `"in_key_file"`, `"by_key"`, `"key_id"`, `"plaintext"`} {
				if !strings.Contains(body, field) {
					t.Errorf("%s: no field %s in %s", who, field, body)
				}
			}
			var st api.EncryptionStatus
			if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
				t.Fatal(err)
			}
			if !st.Enabled || st.PrimaryKeyID != ring.Primary() || st.BlindIndexFingerprint != blind || blind == "" {
				t.Fatalf("%s: %+v", who, st)
			}
			if len(st.Keys) != 1 || st.Keys[0] != (api.EncryptionKey{ID: ring.Primary(), Fingerprint: primaryFP, Primary: true, InKeyFile: true}) {
				t.Fatalf("%s: keys %+v", who, st.Keys)
			}
			cols := map[string]api.SealedColumn{}
			for _, c := range st.Columns {
				cols[c.Column] = c
			}
			id := cols["customers.id_number"]
			want := api.SealedColumn{Column: "customers.id_number", Total: 4, Plaintext: 1, ByKey: []api.KeyCount{{KeyID: ring.Primary(), Count: 3}}}
			if fmt.Sprint(id) != fmt.Sprint(want) {
				t.Errorf("%s: id_number %+v, want %+v", who, id, want)
			}
			mfa, ok := cols["user_mfa.secret"]
			if !ok || mfa.Total != 0 || mfa.Plaintext != 0 || len(mfa.ByKey) != 1 || mfa.ByKey[0].Count != 0 {
				t.Errorf("%s: user_mfa.secret %+v (present %v)", who, mfa, ok)
			}
		}
		for _, who := range []string{"agent_a1", "mgr_a", "credit_a"} {
			rec := serve(h, "GET", "/api/v1/system/encryption", env.Token(t, who), "", nil)
			if rec.Code != 403 || !strings.Contains(rec.Body.String(), `"error.forbidden"`) || strings.Contains(rec.Body.String(), "fingerprint") {
				t.Errorf("%s: %d %s", who, rec.Code, rec.Body)
			}
		}
		if rec := serve(h, "GET", "/api/v1/system/encryption", "", "", nil); rec.Code != 401 {
			t.Errorf("anonymous: %d", rec.Code)
		}
	})
}

// TestEncryptionRouteGate: the route names audit.read while the service
// allows audit.read or settings.admin; the two agree only while every role
// with settings.admin also has audit.read. A role that breaks this needs
// the route to name both permissions (docs/security.md, open item A6).
func TestEncryptionRouteGate(t *testing.T) {
	var gate guanxi.Permission
	for _, r := range api.Routes(servertest.New(t, sqltest.SQLite(t)).App) {
		if r.Path == "/api/v1/system/encryption" {
			gate = r.Perm
		}
	}
	if gate != guanxi.PermAuditRead {
		t.Fatalf("route permission %q", gate)
	}
	seen := 0
	for _, role := range guanxi.Roles {
		a := guanxi.Actor{UserID: 1, Role: role}
		if app.CanSeeEncryption(a) != a.Can(gate) {
			t.Errorf("role %s: the service says %v, the route %v", role, app.CanSeeEncryption(a), a.Can(gate))
		}
		if app.CanSeeEncryption(a) {
			seen++
		}
	}
	if seen != 2 { // admin and auditor
		t.Errorf("%d roles see the status, want 2", seen)
	}
}

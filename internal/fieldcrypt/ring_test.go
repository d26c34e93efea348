package fieldcrypt

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSealOpen(t *testing.T) {
	r := Derived("t")
	v := r.Seal("110101199003071234", "customers.id_number")
	if !IsSealed(v) || strings.Contains(v, "1234") {
		t.Fatalf("sealed %q", v)
	}
	if v2 := r.Seal("110101199003071234", "customers.id_number"); v2 == v {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	got, err := r.Open(v, "customers.id_number")
	if err != nil || got != "110101199003071234" {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := r.Open(v, "user_mfa.secret"); err == nil {
		t.Fatal("a value opened in another column")
	}
	if got, err := r.Open("E12345678", "customers.id_number"); err != nil || got != "E12345678" {
		t.Fatalf("plaintext open = %q, %v", got, err)
	}
	if r.Seal("", "c") != "" || r.Blind("d", "") != "" {
		t.Fatal("empty values must stay empty")
	}
	if _, err := Derived("other").Open(v, "customers.id_number"); err == nil {
		t.Fatal("opened with another ring's key")
	}
	tampered := v[:len(v)-2] + "AA"
	if _, err := r.Open(tampered, "customers.id_number"); err == nil {
		t.Fatal("a tampered value opened")
	}
}

func TestBlind(t *testing.T) {
	r := Derived("t")
	a, b := r.Blind("id", "X1"), r.Blind("id", "X1")
	if a != b || len(a) != 32 {
		t.Fatalf("blind %q %q", a, b)
	}
	if r.Blind("key", "X1") == a || r.Blind("id", "X2") == a || Derived("u").Blind("id", "X1") == a {
		t.Fatal("blind indexes of other domains, values or keys collide")
	}
}

func TestKeyFileRotateAndReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "guanxi.key")
	r, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
	if _, err := Create(path); err == nil {
		t.Fatal("Create overwrote a key file")
	}
	old := r.Seal("A", "c")
	blind := r.Blind("id", "A")
	fp1, _ := r.Fingerprint(1)
	id, err := AddPrimary(path)
	if err != nil || id != 2 {
		t.Fatalf("AddPrimary = %d, %v", id, err)
	}
	// Another process's ring (a running server) follows the file.
	future := time.Now().Add(2 * time.Second)
	os.Chtimes(path, future, future)
	r.now = func() time.Time { return future }
	if r.Primary() != 2 {
		t.Fatalf("primary after reload = %d", r.Primary())
	}
	if k, _ := KeyOf(r.Seal("A", "c")); k != 2 {
		t.Fatalf("new seal under key %d", k)
	}
	if got, err := r.Open(old, "c"); err != nil || got != "A" {
		t.Fatalf("old value after rotation: %q %v", got, err)
	}
	if r.Blind("id", "A") != blind {
		t.Fatal("the blind index changed with rotation")
	}
	if fp, _ := r.Fingerprint(1); fp != fp1 {
		t.Fatal("fingerprint changed")
	}
	if err := DropKeys(path, []uint32{1}); err != nil {
		t.Fatal(err)
	}
	r2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r2.Open(old, "c"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("dropped key still opens: %v", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none")); !errors.Is(err, ErrNoKeyFile) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestSealBytes(t *testing.T) {
	r := Derived("t")
	plain := []byte("姓名,身份证号\n张三,110101199003071234\n")
	v := r.SealBytes(plain, "import_files.data")
	if bytes.Contains(v, []byte("1101011990")) {
		t.Fatal("plaintext in sealed bytes")
	}
	got, err := r.OpenBytes(v, "import_files.data")
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := r.OpenBytes(v, "export_chunks.data"); err == nil {
		t.Fatal("opened as another column")
	}
	if got, _ := r.OpenBytes(plain, "import_files.data"); !bytes.Equal(got, plain) {
		t.Fatal("legacy bytes changed")
	}
	if r.SealBytes(nil, "c") != nil {
		t.Fatal("nil must stay nil")
	}
}

// BenchmarkSealID is the cost a customer write pays for its ID number:
// one seal and two blind indexes; BenchmarkOpenID what a read pays.
func BenchmarkSealID(b *testing.B) {
	r := Derived("b")
	for b.Loop() {
		r.Seal("110101199003071234", "customers.id_number")
		r.Blind("id", "110101199003071234")
		r.Blind("idkey", "110101900307123")
	}
}

func BenchmarkOpenID(b *testing.B) {
	r := Derived("b")
	v := r.Seal("110101199003071234", "customers.id_number")
	for b.Loop() {
		if _, err := r.Open(v, "customers.id_number"); err != nil {
			b.Fatal(err)
		}
	}
}

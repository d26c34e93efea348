package fieldcrypt

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
)

func streamKey(seed string) []byte {
	k := sha256.Sum256([]byte(seed))
	return k[:]
}

// pseudo returns n reproducible bytes that do not repeat within a chunk.
func pseudo(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func encrypt(t *testing.T, key, plain []byte, chunk int) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := NewStreamWriterSize(&out, key, chunk)
	if err != nil {
		t.Fatal(err)
	}
	// Uneven writes cross the chunk borders at every offset.
	for p := plain; len(p) > 0; {
		k := min(len(p), 1+len(p)%3001)
		if n, err := w.Write(p[:k]); err != nil || n != k {
			t.Fatalf("write %d: %d, %v", k, n, err)
		}
		p = p[k:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Fatal("a write after Close succeeded")
	}
	return out.Bytes()
}

func decrypt(key, enc []byte) ([]byte, error) {
	r, err := NewStreamReader(bytes.NewReader(enc), key)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// TestStreamRoundTrip: sizes around the chunk border and several MiB with
// the default chunk; the output holds no run of the plaintext and has the
// length the format says.
func TestStreamRoundTrip(t *testing.T) {
	key := streamKey("round trip")
	const small = 1 << 10
	cases := []struct{ size, chunk int }{
		{0, small}, {1, small}, {small - 1, small}, {small, small}, {small + 1, small},
		{3*small + 17, small},
		{0, DefaultChunkSize}, {DefaultChunkSize, DefaultChunkSize}, {DefaultChunkSize + 1, DefaultChunkSize},
		{5<<20 + 123, DefaultChunkSize},
	}
	for _, c := range cases {
		plain := pseudo(c.size)
		enc := encrypt(t, key, plain, c.chunk)
		chunks := max(1, (c.size+c.chunk-1)/c.chunk)
		if want := streamHeaderSize + c.size + chunks*streamTagSize; len(enc) != want {
			t.Fatalf("size %d chunk %d: %d encrypted bytes, want %d", c.size, c.chunk, len(enc), want)
		}
		if !IsStream(enc) {
			t.Fatalf("size %d: no magic", c.size)
		}
		if c.size >= 32 && bytes.Contains(enc, plain[c.size/2:c.size/2+32]) {
			t.Fatalf("size %d: plaintext visible in the output", c.size)
		}
		got, err := decrypt(key, enc)
		if err != nil {
			t.Fatalf("size %d chunk %d: %v", c.size, c.chunk, err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("size %d chunk %d: round trip differs (%d bytes back)", c.size, c.chunk, len(got))
		}
	}
	// Two encryptions of the same bytes differ (random salt and nonce prefix).
	a, b := encrypt(t, key, []byte("same"), small), encrypt(t, key, []byte("same"), small)
	if bytes.Equal(a, b) {
		t.Fatal("two encryptions of the same plaintext are equal")
	}
}

// TestStreamRefused: every way of damaging a file, or the wrong key, is an
// error naming what happened, and no unauthenticated byte is returned.
func TestStreamRefused(t *testing.T) {
	key := streamKey("refused")
	const chunk = 1 << 10
	plain := pseudo(4*chunk + 100) // chunks 0..3 full, chunk 4 final
	enc := encrypt(t, key, plain, chunk)
	csz := chunk + streamTagSize
	at := func(i int) int { return streamHeaderSize + i*csz }
	edit := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(enc)) }
	swapped := edit(func(b []byte) []byte {
		c1 := bytes.Clone(b[at(1):at(2)])
		copy(b[at(1):], b[at(2):at(3)])
		copy(b[at(2):], c1)
		return b
	})
	otherFile := encrypt(t, key, plain, chunk) // same key, other salt
	cases := []struct {
		name string
		enc  []byte
		key  []byte
		want error
	}{
		{"wrong key", enc, streamKey("other"), ErrWrongKey},
		{"not encrypted", plain, key, ErrNotStream},
		{"empty file", nil, key, ErrNotStream},
		{"cut inside the magic", enc[:5], key, ErrTruncated},
		{"cut inside the header", enc[:streamHeaderSize-3], key, ErrTruncated},
		{"header only", enc[:streamHeaderSize], key, ErrTruncated},
		{"cut at a chunk border", enc[:at(3)], key, ErrTruncated},
		{"cut inside a chunk", enc[:at(2)+100], key, ErrTampered},
		{"cut inside the last tag", enc[:len(enc)-5], key, ErrTampered},
		{"last chunk dropped", enc[:at(4)], key, ErrTruncated},
		{"byte flipped in a chunk", edit(func(b []byte) []byte { b[at(2)+7] ^= 1; return b }), key, ErrTampered},
		{"byte flipped in a tag", edit(func(b []byte) []byte { b[at(1)-1] ^= 0x80; return b }), key, ErrTampered},
		{"byte flipped in the nonce prefix", edit(func(b []byte) []byte { b[len(StreamMagic)+2+16] ^= 1; return b }), key, ErrTampered},
		{"chunk size changed", edit(func(b []byte) []byte { b[len(StreamMagic)+1]++; return b }), key, ErrTampered},
		{"version changed", edit(func(b []byte) []byte { b[len(StreamMagic)] = 9; return b }), key, ErrStreamVersion},
		{"chunks swapped", swapped, key, ErrTampered},
		{"chunk dropped", append(bytes.Clone(enc[:at(1)]), enc[at(2):]...), key, ErrTampered},
		{"chunk from another file", append(append(bytes.Clone(enc[:at(1)]), otherFile[at(1):at(2)]...), enc[at(2):]...), key, ErrTampered},
		{"bytes appended", append(bytes.Clone(enc), 0), key, ErrTampered},
		{"file appended", append(bytes.Clone(enc), enc...), key, ErrTampered},
	}
	for _, c := range cases {
		r, err := NewStreamReader(bytes.NewReader(c.enc), c.key)
		var got []byte
		if err == nil {
			got, err = io.ReadAll(r)
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
		// Only whole authenticated chunks before the damage come out.
		if len(got)%chunk != 0 || !bytes.Equal(got, plain[:len(got)]) {
			t.Errorf("%s: %d bytes returned that are not authenticated chunks", c.name, len(got))
		}
	}
	if _, err := NewStreamWriterSize(io.Discard, key, 3000); err == nil {
		t.Fatal("a chunk size that is not a power of two was taken")
	}
	if _, err := NewStreamWriter(io.Discard, key[:16]); err == nil {
		t.Fatal("a 16-byte key was taken")
	}
}

// TestStreamDerivedKey: a ring's backup key opens what it sealed after
// the data keys rotate, and another key file's does not.
func TestStreamDerivedKey(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/guanxi.key"
	r, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := encrypt(t, r.DerivedKey("backup"), []byte("备份客户1 13900000001"), DefaultChunkSize)
	if _, err := AddPrimary(path); err != nil {
		t.Fatal(err)
	}
	r2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := decrypt(r2.DerivedKey("backup"), enc); err != nil || string(got) != "备份客户1 13900000001" {
		t.Fatalf("after rotation: %q, %v", got, err)
	}
	other, err := Create(dir + "/other.key")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decrypt(other.DerivedKey("backup"), enc); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("another key file: %v", err)
	}
	if _, err := decrypt(r2.DerivedKey("export"), enc); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("another label: %v", err)
	}
}

// BenchmarkStream measures encryption and decryption throughput.
func BenchmarkStream(b *testing.B) {
	key := streamKey("bench")
	plain := pseudo(8 << 20)
	var enc bytes.Buffer
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		enc.Reset()
		w, _ := NewStreamWriter(&enc, key)
		w.Write(plain)
		w.Close()
		r, err := NewStreamReader(bytes.NewReader(enc.Bytes()), key)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

package fieldcrypt

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// fileFormat is the key file: JSON, mode 0600, kept apart from backups.
type fileFormat struct {
	Format  int       `json:"format"`
	Blind   []byte    `json:"blind"`
	Primary uint32    `json:"primary"`
	Keys    []fileKey `json:"keys"`
}

type fileKey struct {
	ID      uint32    `json:"id"`
	Key     []byte    `json:"key"`
	Created time.Time `json:"created"`
}

// ErrNoKeyFile is Load of a path where no key file exists.
var ErrNoKeyFile = errors.New("fieldcrypt: no key file")

// Load reads the key file at path; the ring follows later changes to it.
func Load(path string) (*Ring, error) {
	ks, mod, err := readFile(path)
	if err != nil {
		return nil, err
	}
	r := &Ring{file: path, modTime: mod, now: time.Now}
	r.set.Store(ks)
	r.checked.Store(time.Now().UnixNano())
	return r, nil
}

// Create writes a new key file at path with one data key and a blind key
// and returns its ring. It refuses to overwrite an existing file.
func Create(path string) (*Ring, error) {
	f := fileFormat{Format: 1, Blind: random32(), Primary: 1,
		Keys: []fileKey{{ID: 1, Key: random32(), Created: time.Now().UTC()}}}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	// Written whole beside it, then linked into place: a crash leaves no
	// half key file, and of two processes creating one at once, one fails.
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := writeFile(tmp, f, false); err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		return nil, err
	}
	return Load(path)
}

// AddPrimary adds a new data key to the key file at path and makes it the
// primary one; the old keys stay so their values still open. It returns
// the new key's id.
func AddPrimary(path string) (uint32, error) {
	f, err := decodeFile(path)
	if err != nil {
		return 0, err
	}
	var id uint32
	for _, k := range f.Keys {
		id = max(id, k.ID)
	}
	id++
	f.Keys = append(f.Keys, fileKey{ID: id, Key: random32(), Created: time.Now().UTC()})
	f.Primary = id
	return id, writeFile(path, f, true)
}

// DropKeys removes every data key but the primary from the key file at
// path; call it only when no stored value names them.
func DropKeys(path string, ids []uint32) error {
	f, err := decodeFile(path)
	if err != nil {
		return err
	}
	f.Keys = slices.DeleteFunc(f.Keys, func(k fileKey) bool { return k.ID != f.Primary && slices.Contains(ids, k.ID) })
	return writeFile(path, f, true)
}

func decodeFile(path string) (fileFormat, error) {
	var f fileFormat
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, fmt.Errorf("%w at %s", ErrNoKeyFile, path)
	}
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(b, &f); err != nil || f.Format != 1 {
		return f, fmt.Errorf("fieldcrypt: %s is not a Guanxi key file", path)
	}
	return f, nil
}

func readFile(path string) (*keyset, time.Time, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, time.Time{}, fmt.Errorf("%w at %s", ErrNoKeyFile, path)
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	f, err := decodeFile(path)
	if err != nil {
		return nil, time.Time{}, err
	}
	keys := map[uint32][]byte{}
	for _, k := range f.Keys {
		keys[k.ID] = k.Key
	}
	ks, err := newKeyset(keys, f.Primary, f.Blind)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%s: %w", path, err)
	}
	return ks, st.ModTime(), nil
}

// writeFile writes f to path; replace writes a temporary file first and
// renames it over path, so a crash leaves the old file or the new one.
func writeFile(path string, f fileFormat, replace bool) error {
	b, _ := json.MarshalIndent(f, "", "  ")
	tmp := path
	if replace {
		tmp = path + ".tmp"
	}
	fh, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := fh.Write(b); err != nil {
		fh.Close()
		return err
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		return err
	}
	if err := fh.Close(); err != nil {
		return err
	}
	if !replace {
		return nil
	}
	return os.Rename(tmp, path)
}

// maybeReload re-reads the key file when it changed: at most once a second
// unless force. A file that fails to read keeps the ring as it was; the
// blind key must not change (indexes would stop matching).
func (r *Ring) maybeReload(force bool) {
	if r.file == "" {
		return
	}
	now := r.now().UnixNano()
	if !force && now-r.checked.Load() < int64(time.Second) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checked.Store(now)
	st, err := os.Stat(r.file)
	if err != nil || st.ModTime().Equal(r.modTime) {
		return
	}
	ks, mod, err := readFile(r.file)
	if err != nil || string(ks.blind) != string(r.set.Load().blind) {
		return
	}
	r.set.Store(ks)
	r.modTime = mod
}

func random32() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// Reload re-reads the key file now (a ring made by Derived has none).
func (r *Ring) Reload() { r.maybeReload(true) }

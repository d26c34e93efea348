package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/fieldcrypt"
)

// Backups are encrypted (TESTPLAN H4) with a key derived from the key
// file's blind key, which never rotates: a backup opens with the key file
// of the data folder it was taken from, after any rotation, and with no
// other. The key file is never inside a backup.
const (
	backupKeyLabel = "backup"
	// encryptedExt ends the name of an encrypted backup (guanxi-….db.gxenc).
	encryptedExt = ".gxenc"
	// plainTempPrefix names the private folder (0700, beside the backup,
	// so on its filesystem) that holds a SQLite snapshot until it is
	// encrypted; one a crash left behind is removed by a later backup.
	plainTempPrefix = ".guanxi-plain-"
	stalePlainAge   = 24 * time.Hour
)

// writeEncrypted encrypts src into out through out.part: written, fsynced,
// read back and compared, then renamed, so out is whole or absent. finish,
// when not nil, is called once src is drained and may refuse the result
// (pg_dump's exit status).
func writeEncrypted(out string, key []byte, src io.Reader, finish func() error) error {
	part := out + ".part"
	f, err := os.OpenFile(part, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(part)
		}
	}()
	w, err := fieldcrypt.NewStreamWriter(f, key)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	h := sha256.New()
	if _, err := io.Copy(w, io.TeeReader(src, h)); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if finish != nil {
		if err := finish(); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := checkEncrypted(part, key, h.Sum(nil)); err != nil {
		return err
	}
	if err := os.Rename(part, out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	done = true
	return syncDir(filepath.Dir(out))
}

// checkEncrypted decrypts path and compares the plaintext's checksum.
func checkEncrypted(path string, key, sum []byte) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	r, err := fieldcrypt.NewStreamReader(f, key)
	if err != nil {
		return fmt.Errorf("backup: reading back %s: %w", path, err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return fmt.Errorf("backup: reading back %s: %w", path, err)
	}
	if !bytes.Equal(h.Sum(nil), sum) {
		return fmt.Errorf("backup: reading back %s gave other bytes than were written", path)
	}
	return nil
}

// removeStalePlain removes snapshot folders a crashed backup left in dir.
// Only old ones: a backup running now owns its folder.
func removeStalePlain(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), plainTempPrefix) {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > stalePlainAge {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// isEncryptedBackup reports whether the file at path starts like an
// encrypted backup; one that does not is an older plaintext backup.
func isEncryptedBackup(f *os.File) (bool, error) {
	head := make([]byte, len(fieldcrypt.StreamMagic))
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return false, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false, err
	}
	return fieldcrypt.IsStream(head[:n]), nil
}

// openEncryptedBackup returns the key ring of c and a reader of the
// decrypted backup f, or an error that names the key file to use.
func openEncryptedBackup(c config, from string, f *os.File) (*fieldcrypt.Ring, io.Reader, error) {
	ring, _, err := keyRing(c, false)
	if errors.Is(err, fieldcrypt.ErrNoKeyFile) {
		return nil, nil, fmt.Errorf("restore: %s is encrypted and needs the key file of the data folder it was backed up from; there is none at %s: pass it with --key-file FILE (or GUANXI_KEY_FILE)", from, c.keyPath())
	}
	if err != nil {
		return nil, nil, fmt.Errorf("restore: %w", err)
	}
	r, err := fieldcrypt.NewStreamReader(f, ring.DerivedKey(backupKeyLabel))
	switch {
	case errors.Is(err, fieldcrypt.ErrWrongKey):
		return nil, nil, fmt.Errorf("restore: the key file %s does not open %s: the backup was encrypted with another key file; pass the key file of the data folder it was backed up from with --key-file FILE", c.keyPath(), from)
	case err != nil:
		return nil, nil, backupDamaged(err)
	}
	return ring, r, nil
}

// backupDamaged words an error met while reading a backup.
func backupDamaged(err error) error {
	return fmt.Errorf("restore: the backup is damaged: %w", err)
}

// placeKeyFile makes the key file of the restored data findable where
// guanxi looks by default (DATA/guanxi.key): copied there when the data
// folder exists and has none, otherwise the operator is told what to pass.
func placeKeyFile(c config, stdout io.Writer) error {
	if c.KeyFile == "" {
		return nil // the key already is DATA/guanxi.key
	}
	beside := filepath.Join(c.Data, "guanxi.key")
	if a, err := os.Stat(c.KeyFile); err == nil {
		if b, err := os.Stat(beside); err == nil && os.SameFile(a, b) {
			return nil
		}
	}
	key, err := os.ReadFile(c.KeyFile)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if st, err := os.Stat(c.Data); err != nil || !st.IsDir() {
		fmt.Fprintf(stdout, "restore: the restored data needs the key file %s: run guanxi with --key-file %s (or GUANXI_KEY_FILE)\n", c.KeyFile, c.KeyFile)
		return nil
	}
	if have, err := os.ReadFile(beside); err == nil {
		if !bytes.Equal(have, key) {
			fmt.Fprintf(stdout, "restore: note: %s is another key file; run guanxi with --key-file %s, the key file of the restored data\n", beside, c.KeyFile)
		}
		return nil
	}
	tmp := beside + ".restoring"
	os.Remove(tmp) // left by a crash: never the key file itself
	if err := writeFileSync(tmp, bytes.NewReader(key)); err != nil {
		return fmt.Errorf("restore: copy the key file: %w", err)
	}
	if err := os.Rename(tmp, beside); err != nil {
		return fmt.Errorf("restore: copy the key file: %w", err)
	}
	if err := syncDir(c.Data); err != nil {
		return fmt.Errorf("restore: copy the key file: %w", err)
	}
	fmt.Fprintf(stdout, "restore: copied the key file %s to %s, where guanxi looks for it; keep a copy of it apart from the backups\n", c.KeyFile, beside)
	return nil
}

// writeFileSync writes r to the new file dst (mode 0600) and fsyncs it.
func writeFileSync(dst string, r io.Reader) error {
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	return out.Close()
}

// syncDir fsyncs a folder, so a rename in it survives a power failure.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

package fieldcrypt

// Streaming authenticated encryption of large files (backups, TESTPLAN H4).
// Memory stays at one chunk whatever the file size.
//
// Format, version 1:
//
//	header  magic(8) version(1) log2 chunk size(1) salt(16) nonce prefix(8) key check(16)
//	chunks  AES-256-GCM(chunk i) ‖ tag(16), every chunk but the last exactly the chunk size
//
// Each file has its own key, HMAC-SHA-256(key, label ‖ salt), so nonces of
// different files never meet under one key. Chunk i has nonce prefix ‖ i
// and its additional data is header ‖ i ‖ final flag: a chunk moved,
// dropped, replaced or cut, a changed header or bytes appended after the
// final chunk all fail. The key check, an HMAC of the salt under the key,
// tells a wrong key apart from a damaged file before any chunk is read.

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// StreamMagic starts every encrypted file (the \r\n and \x1a catch a file
// mangled by a text-mode transfer).
const StreamMagic = "GXENC\r\n\x1a"

const (
	streamVersion    = 1
	streamHeaderSize = len(StreamMagic) + 1 + 1 + 16 + 8 + 16
	streamTagSize    = 16
	// DefaultChunkSize is the plaintext bytes per chunk NewStreamWriter uses.
	DefaultChunkSize = 1 << 16
	minChunkShift    = 10 // 1 KiB
	maxChunkShift    = 24 // 16 MiB: the most a reader allocates
)

// Errors of the stream reader; each names what was found, so a caller can
// tell the operator whether to look for another key or another copy.
var (
	ErrNotStream     = errors.New("fieldcrypt: not an encrypted Guanxi file")
	ErrStreamVersion = errors.New("fieldcrypt: encrypted with a format this version does not know")
	ErrWrongKey      = errors.New("fieldcrypt: the file was encrypted with another key")
	ErrTruncated     = errors.New("fieldcrypt: the encrypted file is truncated")
	ErrTampered      = errors.New("fieldcrypt: the encrypted file is damaged or was altered")
)

// IsStream reports whether head, the first bytes of a file, starts like an
// encrypted stream.
func IsStream(head []byte) bool { return bytes.HasPrefix(head, []byte(StreamMagic)) }

// streamKeys derives the file's AEAD and key check from the caller's key.
func streamKeys(key, salt []byte) (cipher.AEAD, []byte, error) {
	if len(key) != 32 {
		return nil, nil, errors.New("fieldcrypt: a stream key must be 32 bytes")
	}
	mac := func(label string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(label))
		m.Write(salt)
		return m.Sum(nil)
	}
	b, err := aes.NewCipher(mac("guanxi stream v1 file key\x00"))
	if err != nil {
		return nil, nil, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, nil, err
	}
	return g, mac("guanxi stream v1 key check\x00")[:16], nil
}

// chunkNonce is prefix ‖ big-endian index.
func chunkNonce(prefix []byte, i uint64) []byte {
	n := make([]byte, 12)
	copy(n, prefix)
	binary.BigEndian.PutUint32(n[8:], uint32(i))
	return n
}

// chunkAAD is header ‖ index ‖ final flag, reusing buf.
func chunkAAD(buf, header []byte, i uint64, final bool) []byte {
	buf = append(buf[:0], header...)
	buf = binary.BigEndian.AppendUint64(buf, i)
	if final {
		return append(buf, 1)
	}
	return append(buf, 0)
}

// StreamWriter encrypts what is written to it into dst. Close seals the
// final chunk and must be called; it does not close dst.
type StreamWriter struct {
	dst    io.Writer
	aead   cipher.AEAD
	header []byte
	prefix []byte
	chunk  int
	buf    []byte // plaintext of the pending chunk
	out    []byte // its ciphertext
	aad    []byte
	index  uint64
	err    error
}

// NewStreamWriter writes the header to dst and returns a writer with the
// default chunk size.
func NewStreamWriter(dst io.Writer, key []byte) (*StreamWriter, error) {
	return NewStreamWriterSize(dst, key, DefaultChunkSize)
}

// NewStreamWriterSize is NewStreamWriter with chunkSize plaintext bytes a
// chunk: a power of two from 1 KiB to 16 MiB.
func NewStreamWriterSize(dst io.Writer, key []byte, chunkSize int) (*StreamWriter, error) {
	shift := -1
	for s := minChunkShift; s <= maxChunkShift; s++ {
		if chunkSize == 1<<s {
			shift = s
		}
	}
	if shift < 0 {
		return nil, fmt.Errorf("fieldcrypt: chunk size %d is not a power of two from 1 KiB to 16 MiB", chunkSize)
	}
	h := make([]byte, 0, streamHeaderSize)
	h = append(h, StreamMagic...)
	h = append(h, streamVersion, byte(shift))
	salt := make([]byte, 16+8)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	h = append(h, salt...) // salt, then nonce prefix
	aead, check, err := streamKeys(key, salt[:16])
	if err != nil {
		return nil, err
	}
	h = append(h, check...)
	if _, err := dst.Write(h); err != nil {
		return nil, err
	}
	return &StreamWriter{dst: dst, aead: aead, header: h, prefix: h[len(StreamMagic)+2+16 : len(StreamMagic)+2+24],
		chunk: chunkSize, buf: make([]byte, 0, chunkSize), out: make([]byte, 0, chunkSize+streamTagSize)}, nil
}

// Write buffers p and writes each chunk once the next byte shows it is not
// the final one.
func (w *StreamWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := 0
	for len(p) > 0 {
		if len(w.buf) == w.chunk {
			if err := w.seal(false); err != nil {
				return n, err
			}
		}
		k := copy(w.buf[len(w.buf):w.chunk], p)
		w.buf = w.buf[:len(w.buf)+k]
		p = p[k:]
		n += k
	}
	return n, nil
}

// Close seals the pending bytes as the final chunk (an empty file still
// has one, so cutting every chunk is detected).
func (w *StreamWriter) Close() error {
	if w.err != nil {
		return w.err
	}
	if err := w.seal(true); err != nil {
		return err
	}
	w.err = errors.New("fieldcrypt: write to a closed stream")
	return nil
}

func (w *StreamWriter) seal(final bool) error {
	if w.index > math.MaxUint32 {
		w.err = errors.New("fieldcrypt: stream too long for one file")
		return w.err
	}
	w.aad = chunkAAD(w.aad, w.header, w.index, final)
	w.out = w.aead.Seal(w.out[:0], chunkNonce(w.prefix, w.index), w.buf, w.aad)
	if _, err := w.dst.Write(w.out); err != nil {
		w.err = err
		return err
	}
	w.index++
	w.buf = w.buf[:0]
	return nil
}

// StreamReader decrypts a stream. A chunk's bytes are returned only after
// its tag checked, and io.EOF only after the final chunk did.
type StreamReader struct {
	src    *bufio.Reader
	aead   cipher.AEAD
	header []byte
	prefix []byte
	in     []byte // ciphertext of one chunk
	out    []byte // its plaintext
	plain  []byte // the unread part of out
	aad    []byte
	index  uint64
	done   bool
	err    error
}

// NewStreamReader reads and checks the header of src: ErrNotStream,
// ErrStreamVersion, ErrWrongKey or ErrTruncated before any chunk is read.
func NewStreamReader(src io.Reader, key []byte) (*StreamReader, error) {
	br := bufio.NewReader(src)
	h := make([]byte, streamHeaderSize)
	n, err := io.ReadFull(br, h)
	if !IsStream(h[:n]) {
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return nil, err
		}
		if n > 0 && bytes.HasPrefix([]byte(StreamMagic), h[:n]) {
			return nil, ErrTruncated
		}
		return nil, ErrNotStream
	}
	if n > len(StreamMagic) && h[len(StreamMagic)] != streamVersion {
		return nil, fmt.Errorf("%w (version %d)", ErrStreamVersion, h[len(StreamMagic)])
	}
	if err != nil {
		if err == io.ErrUnexpectedEOF {
			return nil, ErrTruncated
		}
		return nil, err
	}
	shift := int(h[len(StreamMagic)+1])
	if shift < minChunkShift || shift > maxChunkShift {
		return nil, fmt.Errorf("%w (chunk size 2^%d)", ErrTampered, shift)
	}
	salt := h[len(StreamMagic)+2 : len(StreamMagic)+2+16]
	aead, check, err := streamKeys(key, salt)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(check, h[streamHeaderSize-16:]) {
		return nil, ErrWrongKey
	}
	return &StreamReader{src: br, aead: aead, header: h, prefix: h[len(StreamMagic)+2+16 : len(StreamMagic)+2+24],
		in: make([]byte, 1<<shift+streamTagSize), out: make([]byte, 0, 1<<shift)}, nil
}

func (r *StreamReader) Read(p []byte) (int, error) {
	for len(r.plain) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		if err := r.next(); err != nil {
			r.err = err
			return 0, err
		}
	}
	n := copy(p, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}

// next reads and opens the next chunk. A short chunk, or a full one at the
// end of the input, must be the final one.
func (r *StreamReader) next() error {
	n, err := io.ReadFull(r.src, r.in)
	final := false
	switch {
	case err == io.EOF:
		return fmt.Errorf("%w: it ends after chunk %d without its final chunk", ErrTruncated, r.index)
	case err == io.ErrUnexpectedEOF:
		final = true
	case err != nil:
		return err
	default:
		if _, perr := r.src.Peek(1); perr == io.EOF {
			final = true
		} else if perr != nil {
			return perr
		}
	}
	if r.index > math.MaxUint32 {
		return fmt.Errorf("%w: more chunks than a file may have", ErrTampered)
	}
	if n < streamTagSize {
		return fmt.Errorf("%w: chunk %d is cut short", ErrTruncated, r.index)
	}
	plain, err := r.open(r.in[:n], final)
	if err != nil {
		// Which flag would have opened it says what happened to the file.
		if _, err2 := r.open(r.in[:n], !final); err2 == nil {
			if final {
				return fmt.Errorf("%w: it ends after chunk %d, which is not the final one", ErrTruncated, r.index)
			}
			return fmt.Errorf("%w: bytes follow the final chunk %d", ErrTampered, r.index)
		}
		if final {
			return fmt.Errorf("%w: the last chunk %d does not authenticate (cut or altered)", ErrTampered, r.index)
		}
		return fmt.Errorf("%w: chunk %d does not authenticate", ErrTampered, r.index)
	}
	r.plain, r.done = plain, final
	r.index++
	return nil
}

// open decrypts c into the plaintext buffer; c stays intact when the tag
// fails, for the second try with the other flag.
func (r *StreamReader) open(c []byte, final bool) ([]byte, error) {
	r.aad = chunkAAD(r.aad, r.header, r.index, final)
	return r.aead.Open(r.out[:0], chunkNonce(r.prefix, r.index), c, r.aad)
}

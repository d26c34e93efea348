package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"time"

	"github.com/alexedwards/scs/v2"
)

// sessionCodec encodes session data the same way every time (keys sorted),
// so sessionRefresh can tell an unchanged session by its bytes: scs's gob
// codec writes a map in Go's random order. Guanxi keeps int64 and string
// values in sessions; data holding any other type, and rows written
// before this codec, go through gob as before. It also decodes in about a
// microsecond where gob took about 40.
type sessionCodec struct{}

// sessionCodecMagic starts the compact form; a gob stream never starts
// with a zero byte (its first message length is not zero).
var sessionCodecMagic = []byte{0, 1}

const (
	sessionInt64  = 'i'
	sessionString = 's'
)

var errSessionData = errors.New("session data: malformed")

func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(values))
	for k, v := range values {
		switch v.(type) {
		case int64, string:
		default:
			return scs.GobCodec{}.Encode(deadline, values)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := append([]byte{}, sessionCodecMagic...)
	b = binary.BigEndian.AppendUint64(b, uint64(deadline.UnixNano()))
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = appendSessionString(b, k)
		switch v := values[k].(type) {
		case int64:
			b = append(b, sessionInt64)
			b = binary.AppendVarint(b, v)
		case string:
			b = append(b, sessionString)
			b = appendSessionString(b, v)
		}
	}
	return b, nil
}

func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	rest, ok := bytes.CutPrefix(b, sessionCodecMagic)
	if !ok {
		return scs.GobCodec{}.Decode(b)
	}
	if len(rest) < 8 {
		return time.Time{}, nil, errSessionData
	}
	deadline := time.Unix(0, int64(binary.BigEndian.Uint64(rest))).UTC()
	rest = rest[8:]
	n, k := binary.Uvarint(rest)
	if k <= 0 || n > uint64(len(rest)) {
		return time.Time{}, nil, errSessionData
	}
	rest = rest[k:]
	values := make(map[string]any, n)
	for range n {
		var key string
		if key, rest, ok = cutSessionString(rest); !ok || len(rest) == 0 {
			return time.Time{}, nil, errSessionData
		}
		kind := rest[0]
		rest = rest[1:]
		switch kind {
		case sessionInt64:
			v, k := binary.Varint(rest)
			if k <= 0 {
				return time.Time{}, nil, errSessionData
			}
			values[key], rest = v, rest[k:]
		case sessionString:
			var v string
			if v, rest, ok = cutSessionString(rest); !ok {
				return time.Time{}, nil, errSessionData
			}
			values[key] = v
		default:
			return time.Time{}, nil, errSessionData
		}
	}
	if len(rest) != 0 {
		return time.Time{}, nil, errSessionData
	}
	return deadline, values, nil
}

func appendSessionString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func cutSessionString(b []byte) (string, []byte, bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return "", nil, false
	}
	return string(b[k : k+int(n)]), b[k+int(n):], true
}

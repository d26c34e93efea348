package sqlstore

import (
	"archive/zip"
	"bytes"
	"context"
	"io"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
)

// exportScanLimit bounds how much of an xlsx export is unpacked in memory
// to look for a customer; a larger file is withdrawn without looking.
const exportScanLimit = 256 << 20

func containsAny(b []byte, needles [][]byte) bool {
	for _, n := range needles {
		if bytes.Contains(b, n) {
			return true
		}
	}
	return false
}

// exportMentions reports whether a finished export's file holds any of
// the needles: CSV chunk by chunk (with an overlap across chunk borders),
// xlsx by unpacking its parts.
func (s *Store) exportMentions(ctx context.Context, tx *sqlx.Tx, id guanxi.ID, format string, needles [][]byte) (bool, error) {
	if len(needles) == 0 {
		return false, nil
	}
	rows, err := tx.QueryContext(ctx, s.rebind("SELECT data FROM export_chunks WHERE export_id = ? ORDER BY seq"), id)
	if err != nil {
		return false, wrap(err)
	}
	defer rows.Close()
	var file, tail []byte
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return false, wrap(err)
		}
		data, err := s.keys.OpenBytes(data, colExportChunk)
		if err != nil {
			return false, guanxi.Internal(err)
		}
		if format != "csv" {
			if len(file)+len(data) > exportScanLimit {
				return true, nil
			}
			file = append(file, data...)
			continue
		}
		buf := append(tail, data...)
		if containsAny(buf, needles) {
			return true, nil
		}
		tail = append([]byte(nil), buf[max(0, len(buf)-256):]...)
	}
	if err := rows.Err(); err != nil {
		return false, wrap(err)
	}
	if format == "csv" {
		return false, nil
	}
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		return true, nil // unreadable: withdraw rather than keep
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return true, nil
		}
		part, err := io.ReadAll(io.LimitReader(rc, exportScanLimit))
		rc.Close()
		if err != nil || containsAny(part, needles) {
			return true, nil
		}
	}
	return false, nil
}

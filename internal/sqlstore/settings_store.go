package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/settings"
)

type settingQueries struct {
	SettingRows    string `q:"setting-rows"`
	SettingRow     string `q:"setting-row"`
	SettingInsert  string `q:"setting-insert"`
	SettingUpdate  string `q:"setting-update"`
	SettingVersion string `q:"setting-version"`
}

// SettingRows returns every stored settings row.
func (s *Store) SettingRows(ctx context.Context) ([]settings.Setting, error) {
	var rows []settings.Setting
	if err := s.r.SelectContext(ctx, &rows, s.q.SettingRows); err != nil {
		return nil, wrap(err)
	}
	for i := range rows {
		utcPtr(rows[i].UpdatedAt)
	}
	return rows, nil
}

// SettingRow returns the stored row of key, if any.
func (s *Store) SettingRow(ctx context.Context, key string) (settings.Setting, bool, error) {
	var row settings.Setting
	err := s.r.GetContext(ctx, &row, s.q.SettingRow, key)
	if errors.Is(err, sql.ErrNoRows) {
		return row, false, nil
	}
	if err != nil {
		return row, false, wrap(err)
	}
	utcPtr(row.UpdatedAt)
	return row, true, nil
}

// SaveSetting inserts the row (version 0) or updates it at version, with its
// audit entry in the same transaction.
func (s *Store) SaveSetting(ctx context.Context, key, value string, version int64, entry audit.Entry) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		var res sql.Result
		var err error
		if version == 0 {
			res, err = tx.ExecContext(ctx, s.q.SettingInsert, key, value, now)
		} else {
			res, err = tx.ExecContext(ctx, s.q.SettingUpdate, value, now, key, version)
		}
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			var cur int64
			if err := tx.GetContext(ctx, &cur, s.q.SettingVersion, key); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return wrap(err)
			}
			return guanxi.Stale(cur)
		}
		return s.appendAudit(ctx, tx, entry)
	})
}

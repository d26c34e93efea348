package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/auth"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

type userQueries struct {
	UserByID              string `q:"user-by-id"`
	UserByUsername        string `q:"user-by-username"`
	UsersList             string `q:"users-list"`
	UserCount             string `q:"user-count"`
	UserInsert            string `q:"user-insert"`
	UserUpdate            string `q:"user-update"`
	UserVersion           string `q:"user-version"`
	UserSetPassword       string `q:"user-set-password"`
	UserExpirePassword    string `q:"user-expire-password"`
	PasswordHistoryAdd    string `q:"password-history-insert"`
	PasswordHistoryRecent string `q:"password-history"`
}

func userUTC(u *staff.User) {
	u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC(), u.PasswordChangedAt.UTC()
}

// UserByID returns a user with its unit's name and path (for the Actor).
func (s *Store) UserByID(ctx context.Context, id guanxi.ID) (staff.User, error) {
	var u staff.User
	if err := s.r.GetContext(ctx, &u, s.q.UserByID, id); err != nil {
		return u, notFound(err, "error.not_found")
	}
	userUTC(&u)
	return u, nil
}

// UserByUsername returns a user by its (lower-case) sign-in name.
func (s *Store) UserByUsername(ctx context.Context, username string) (staff.User, error) {
	var u staff.User
	if err := s.r.GetContext(ctx, &u, s.q.UserByUsername, username); err != nil {
		return u, notFound(err, "error.not_found")
	}
	userUTC(&u)
	return u, nil
}

// likeEscape escapes LIKE wildcards in user input (ESCAPE '\').
func likeEscape(q string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)
}

// Users lists users matching q under the org path prefix under ("" for all),
// or only user onlyID when set.
func (s *Store) Users(ctx context.Context, q staff.UserQuery, under string, onlyID guanxi.ID) ([]staff.User, error) {
	text := ""
	if q.Q != "" {
		text = "%" + likeEscape(strings.ToLower(q.Q)) + "%"
	}
	incl := 0
	if q.IncludeDisabled {
		incl = 1
	}
	var us []staff.User
	err := s.r.SelectContext(ctx, &us, s.q.UsersList,
		under, under+"%",
		onlyID, onlyID,
		q.OrgUnitID, q.OrgUnitID,
		string(q.Role), string(q.Role),
		incl,
		text, text, "%"+likeEscape(q.Q)+"%")
	if err != nil {
		return nil, wrap(err)
	}
	for i := range us {
		userUTC(&us[i])
	}
	return us, nil
}

// CountUsers counts every user, disabled ones included.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.GetContext(ctx, &n, s.q.UserCount)
	return n, wrap(err)
}

func (s *Store) insertUser(ctx context.Context, tx *sqlx.Tx, u *staff.User) error {
	var existing staff.User
	err := tx.GetContext(ctx, &existing, s.q.UserByUsername, u.Username)
	if err == nil {
		return usernameTaken()
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return wrap(err)
	}
	now := s.nowUTC()
	err = tx.GetContext(ctx, &u.ID, s.q.UserInsert, u.Username, u.Name, u.Email, u.Role, u.OrgUnitID,
		u.PasswordHash, now, b2i(u.MustChangePassword), u.Lang, now, now)
	if err != nil {
		if msg := strings.ToLower(err.Error()); strings.Contains(msg, "unique") || strings.Contains(msg, "duplicate key") {
			return usernameTaken()
		}
		return wrap(err)
	}
	if _, err := tx.ExecContext(ctx, s.q.PasswordHistoryAdd, u.ID, u.PasswordHash, now); err != nil {
		return wrap(err)
	}
	u.Version, u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt = 1, now, now, now
	return nil
}

func usernameTaken() error {
	return &guanxi.Error{Kind: guanxi.KindConflict, Key: "staff.username_taken",
		Fields: []guanxi.FieldError{{Field: "username", Key: "staff.username_taken"}}}
}

// InsertUser stores a new user with its first password history row.
func (s *Store) InsertUser(ctx context.Context, u *staff.User, entry audit.Entry) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		if err := s.insertUser(ctx, tx, u); err != nil {
			return err
		}
		entry.ObjectID = &u.ID
		return s.appendAudit(ctx, tx, entry)
	})
}

// UpdateUserRow writes the administered columns of u at version.
func (s *Store) UpdateUserRow(ctx context.Context, u staff.User, version int64, entries ...audit.Entry) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.q.UserUpdate, u.Name, u.Email, u.Role, u.OrgUnitID, b2i(u.Disabled), u.Lang,
			s.nowUTC(), u.ID, version)
		if err != nil {
			return wrap(err)
		}
		if err := s.staleOrMissing(ctx, tx, res, s.q.UserVersion, u.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, entries...)
	})
}

// BootstrapAdmin creates the root unit and the first user when there is no
// user yet; the check and the inserts share one transaction.
func (s *Store) BootstrapAdmin(ctx context.Context, unit *staff.OrgUnit, u *staff.User, entries ...audit.Entry) (bool, error) {
	created := false
	err := s.tx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q.UnitMoveLock); err != nil {
			return wrap(err)
		}
		var n int64
		if err := tx.GetContext(ctx, &n, s.q.UserCount); err != nil {
			return wrap(err)
		}
		if n > 0 {
			return nil
		}
		// Reuse an existing root (a unit created before any user).
		var units []staff.OrgUnit
		if err := tx.SelectContext(ctx, &units, s.q.UnitsAll); err != nil {
			return wrap(err)
		}
		if len(units) > 0 {
			*unit = units[0]
		} else {
			unit.ParentID = nil
			if err := s.insertUnit(ctx, tx, unit); err != nil {
				return err
			}
		}
		u.OrgUnitID = unit.ID
		if err := s.insertUser(ctx, tx, u); err != nil {
			return err
		}
		// The unit's audit row is kept only when the unit was made here.
		var keep []audit.Entry
		for _, e := range entries {
			switch e.Action {
			case audit.ActionOrgChange:
				if len(units) > 0 {
					continue
				}
				e.ObjectID = &unit.ID
			case audit.ActionUserCreate:
				e.ObjectID = &u.ID
			}
			keep = append(keep, e)
		}
		created = true
		return s.appendAudit(ctx, tx, keep...)
	})
	return created, err
}

// PasswordHistory returns the user's n most recent password hashes.
func (s *Store) PasswordHistory(ctx context.Context, userID guanxi.ID, n int) ([]string, error) {
	var hs []string
	err := s.r.SelectContext(ctx, &hs, withLimit(s.q.PasswordHistoryRecent, n), userID)
	return hs, wrap(err)
}

// SetPassword stores a new password hash for u at u.Version, adds it to the
// history and, when unlock is set, lifts any lockout of the username.
func (s *Store) SetPassword(ctx context.Context, u staff.User, hash string, mustChange, unlock bool, entry audit.Entry) error {
	return s.tx(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		res, err := tx.ExecContext(ctx, s.q.UserSetPassword, hash, now, b2i(mustChange), now, u.ID, u.Version)
		if err != nil {
			return wrap(err)
		}
		if err := s.staleOrMissing(ctx, tx, res, s.q.UserVersion, u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.PasswordHistoryAdd, u.ID, hash, now); err != nil {
			return wrap(err)
		}
		if unlock {
			// The unlock row sorts by the caller's clock (entry.At), the same
			// clock that timed the failures it cancels.
			at := now
			if !entry.At.IsZero() {
				at = entry.At.UTC().Truncate(time.Microsecond)
			}
			if _, err := tx.ExecContext(ctx, s.q.LoginAttemptInsert, u.Username, entry.Addr, auth.AttemptUnlock, at); err != nil {
				return wrap(err)
			}
		}
		return s.appendAudit(ctx, tx, entry)
	})
}

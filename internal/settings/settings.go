// Package settings defines the settings stored in the database, with their
// defaults and validation. Only defined keys exist; a row in the settings
// table overrides the default. It does no I/O.
package settings

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
)

// Kind is the type of a setting's value.
type Kind string

const (
	KindInt    Kind = "int"
	KindText   Kind = "text"
	KindChoice Kind = "choice"
	// KindCIDRs is a list of networks (10.0.0.0/8, 192.168.1.10, fd00::/8),
	// empty allowed; see ParseCIDRs.
	KindCIDRs Kind = "cidrs"
)

// Def defines one setting.
type Def struct {
	Key     string
	Kind    Kind
	Default string
	Choices []string // KindChoice
	Min     int      // KindInt
	Max     int      // KindInt; KindText: maximum length in characters
}

// Keys of the defined settings.
const (
	PasswordPolicy       = "auth.password_policy"
	LockoutThreshold     = "auth.lockout_threshold"
	LockoutWindowMinutes = "auth.lockout_window_minutes"
	LockoutMinutes       = "auth.lockout_minutes"
	IdleTimeoutMinutes   = "auth.idle_timeout_minutes"
	CustomerNumberPrefix = "customer.number_prefix"
	CustomerNumberDigits = "customer.number_digits"
	// Surveys: an answer whose lowest item score (normalised 0–100) is below
	// the threshold opens a complaint; links expire after the given days.
	SurveyLowScoreThreshold = "survey.low_score_threshold"
	SurveyLinkExpiryDays    = "survey.link_expiry_days"
	// Complaints: number format ({year}, {seq:N}), SLA warning share and
	// escalation levels (CMP-15, CMP-23..27).
	TicketNumberFormat    = "ticket.number_format"
	TicketWarnPercent     = "ticket.sla_warn_percent"
	TicketEscalationLevel = "ticket.escalation_levels"
	TicketEscalationDays  = "ticket.escalation_days"
	TicketOmbudsmanWeeks  = "ticket.ombudsman_weeks"
	// Public complaint form: the org unit id that receives its complaints
	// (0: none, only staff who see every ticket find them until routed).
	TicketPublicOrgUnit = "ticket.public_org_unit"
	// Complaint analytics: KPI targets in percent (CMP-07, CMP-10).
	TicketTargetBreach       = "ticket.target_breach_percent"
	TicketTargetFCR          = "ticket.target_fcr_percent"
	TicketTargetComplaint    = "ticket.target_complaint_rate_percent"
	TicketTargetSatisfaction = "ticket.target_satisfaction_percent"
	TicketTargetReopen       = "ticket.target_reopen_percent"
	// Appointments: the success-rate target in percent (APT-05: 50% → 80%).
	AppointmentTargetPercent = "appointment.target_percent"

	// Failed sign-ins from one client address (any usernames) within the
	// window block that address for the window (TESTPLAN B2).
	AddrFailureThreshold     = "auth.addr_failure_threshold"
	AddrFailureWindowMinutes = "auth.addr_failure_window_minutes"
	// Networks the outbox's HTTP senders may reach although private,
	// loopback or link-local (on-premises SMS gateways); empty: none
	// (TESTPLAN C8).
	OutboxAllowPrivateCIDRs = "outbox.allow_private_cidrs"
)

// Defs returns every defined setting in display order. It returns a fresh
// slice so callers cannot change the definitions.
func Defs() []Def {
	return []Def{
		{Key: PasswordPolicy, Kind: KindChoice, Default: "asvs", Choices: []string{"asvs", "mlps3"}},
		{Key: LockoutThreshold, Kind: KindInt, Default: "5", Min: 1, Max: 100},
		{Key: LockoutWindowMinutes, Kind: KindInt, Default: "15", Min: 1, Max: 1440},
		{Key: LockoutMinutes, Kind: KindInt, Default: "30", Min: 1, Max: 1440},
		{Key: IdleTimeoutMinutes, Kind: KindInt, Default: "30", Min: 1, Max: 1440},
		{Key: AddrFailureThreshold, Kind: KindInt, Default: "20", Min: 5, Max: 200},
		{Key: AddrFailureWindowMinutes, Kind: KindInt, Default: "10", Min: 1, Max: 1440},
		{Key: OutboxAllowPrivateCIDRs, Kind: KindCIDRs, Default: "", Max: 200},
		{Key: CustomerNumberPrefix, Kind: KindText, Default: "KH", Max: 8},
		{Key: CustomerNumberDigits, Kind: KindInt, Default: "8", Min: 4, Max: 18},
		{Key: SurveyLowScoreThreshold, Kind: KindInt, Default: "50", Min: 0, Max: 100},
		{Key: SurveyLinkExpiryDays, Kind: KindInt, Default: "7", Min: 1, Max: 90},
		{Key: TicketNumberFormat, Kind: KindText, Default: "TS-{year}-{seq:6}", Max: 40},
		{Key: TicketWarnPercent, Kind: KindInt, Default: "80", Min: 1, Max: 99},
		{Key: TicketEscalationLevel, Kind: KindInt, Default: "3", Min: 1, Max: 9},
		{Key: TicketEscalationDays, Kind: KindInt, Default: "10", Min: 1, Max: 365},
		{Key: TicketOmbudsmanWeeks, Kind: KindInt, Default: "8", Min: 1, Max: 104},
		{Key: TicketPublicOrgUnit, Kind: KindInt, Default: "0", Min: 0, Max: 1<<31 - 1},
		{Key: TicketTargetBreach, Kind: KindInt, Default: "10", Min: 1, Max: 100},
		{Key: TicketTargetFCR, Kind: KindInt, Default: "50", Min: 1, Max: 100},
		{Key: TicketTargetComplaint, Kind: KindInt, Default: "2", Min: 1, Max: 100},
		{Key: TicketTargetSatisfaction, Kind: KindInt, Default: "80", Min: 1, Max: 100},
		{Key: TicketTargetReopen, Kind: KindInt, Default: "5", Min: 1, Max: 100},
		{Key: AppointmentTargetPercent, Kind: KindInt, Default: "80", Min: 1, Max: 100},
	}
}

// Lookup returns the definition of key.
func Lookup(key string) (Def, bool) {
	for _, d := range Defs() {
		if d.Key == key {
			return d, true
		}
	}
	return Def{}, false
}

// Default returns the default value of key ("" for unknown keys).
func Default(key string) string {
	d, _ := Lookup(key)
	return d.Default
}

// Validate normalises value for d and returns a field error on "value".
func (d Def) Validate(value string) (string, error) {
	value = strings.TrimSpace(value)
	switch d.Kind {
	case KindInt:
		n, err := strconv.Atoi(value)
		if err != nil {
			return value, guanxi.Invalid(guanxi.Field("value", "validation.number"))
		}
		if n < d.Min || n > d.Max {
			return value, guanxi.Invalid(guanxi.FieldError{Field: "value", Key: "settings.out_of_range",
				Args: map[string]any{"min": d.Min, "max": d.Max}})
		}
		return strconv.Itoa(n), nil
	case KindChoice:
		if !slices.Contains(d.Choices, value) {
			return value, guanxi.Invalid(guanxi.Field("value", "validation.enum"))
		}
	case KindCIDRs:
		return validateCIDRs(value, d.Max)
	case KindText:
		if value == "" {
			return value, guanxi.Invalid(guanxi.Field("value", "validation.required"))
		}
		if d.Max > 0 && utf8.RuneCountInString(value) > d.Max {
			return value, guanxi.Invalid(guanxi.FieldError{Field: "value", Key: "validation.too_long",
				Args: map[string]any{"max": d.Max}})
		}
	}
	return value, nil
}

// Setting is a defined setting with its current value. Version is 0 while
// the default is in force (no row stored yet).
type Setting struct {
	Key       string     `db:"key" json:"key"`
	Value     string     `db:"value" json:"value"`
	Default   string     `db:"-" json:"default"`
	Kind      Kind       `db:"-" json:"kind"`
	Choices   []string   `db:"-" json:"choices,omitempty"`
	Min       int        `db:"-" json:"min,omitempty"`
	Max       int        `db:"-" json:"max,omitempty"`
	Version   int64      `db:"version" json:"version"`
	UpdatedAt *time.Time `db:"updated_at" json:"updated_at,omitempty"`
}

// Store is what the settings service needs.
type Store interface {
	// SettingRows returns every stored row (key, value, version, updated_at).
	SettingRows(ctx context.Context) ([]Setting, error)
	// SettingRow returns one stored row; found is false when none exists.
	SettingRow(ctx context.Context, key string) (s Setting, found bool, err error)
	// SaveSetting inserts (version 0) or updates (version must match) the
	// row and appends entry in the same transaction; a mismatch is Stale.
	SaveSetting(ctx context.Context, key, value string, version int64, entry audit.Entry) error
}

// Service reads and changes settings.
type Service struct {
	Store Store
}

func fromDef(d Def) Setting {
	return Setting{Key: d.Key, Value: d.Default, Default: d.Default, Kind: d.Kind,
		Choices: d.Choices, Min: d.Min, Max: d.Max}
}

// Get returns the value of key: the stored one, else the default. Unknown
// keys are NotFound.
func (s *Service) Get(ctx context.Context, key string) (string, error) {
	d, ok := Lookup(key)
	if !ok {
		return "", guanxi.NotFound("error.not_found")
	}
	if s == nil || s.Store == nil {
		return d.Default, nil
	}
	row, found, err := s.Store.SettingRow(ctx, key)
	if err != nil {
		return d.Default, err
	}
	if !found {
		return d.Default, nil
	}
	// A value stored by an older version that no longer validates falls
	// back to the default rather than breaking sign-in.
	v, err := d.Validate(row.Value)
	if err != nil {
		return d.Default, nil
	}
	return v, nil
}

// Int returns an integer setting; on any error it returns the default, so
// security settings never silently become 0.
func (s *Service) Int(ctx context.Context, key string) int {
	v, _ := s.Get(ctx, key)
	n, err := strconv.Atoi(v)
	if err != nil {
		n, _ = strconv.Atoi(Default(key))
	}
	return n
}

// All returns every defined setting with its current value (settings.admin).
func (s *Service) All(ctx context.Context, a guanxi.Actor) ([]Setting, error) {
	if !a.Can(guanxi.PermSettingsAdmin) {
		return nil, guanxi.Forbidden("error.forbidden")
	}
	rows, err := s.Store.SettingRows(ctx)
	if err != nil {
		return nil, err
	}
	stored := map[string]Setting{}
	for _, r := range rows {
		stored[r.Key] = r
	}
	var out []Setting
	for _, d := range Defs() {
		st := fromDef(d)
		if r, ok := stored[d.Key]; ok {
			st.Value, st.Version, st.UpdatedAt = r.Value, r.Version, r.UpdatedAt
		}
		out = append(out, st)
	}
	return out, nil
}

// Set changes key to value. version is the version the caller saw (0 while
// the default is in force); a mismatch is Stale. Audited as settings_change.
func (s *Service) Set(ctx context.Context, a guanxi.Actor, key, value string, version int64) error {
	if !a.Can(guanxi.PermSettingsAdmin) {
		return guanxi.Forbidden("error.forbidden")
	}
	d, ok := Lookup(key)
	if !ok {
		return guanxi.NotFound("error.not_found")
	}
	v, err := d.Validate(value)
	if err != nil {
		return err
	}
	before := d.Default
	row, found, err := s.Store.SettingRow(ctx, key)
	if err != nil {
		return err
	}
	if found {
		before = row.Value
	}
	e := audit.New(a, audit.ActionSettings, "setting", 0,
		map[string]any{"key": key, "before": before, "after": v})
	return s.Store.SaveSetting(ctx, key, v, version, e)
}

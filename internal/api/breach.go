package api

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/accesslog"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/settings"
)

// BreachItem is one customer the user accessed in the period.
type BreachItem struct {
	CustomerID guanxi.ID        `json:"customer_id"`
	Number     string           `json:"number" doc:"Empty once the customer is purged"`
	Name       string           `json:"name"`
	Total      int64            `json:"total"`
	Counts     map[string]int64 `json:"counts" doc:"Accesses per way: api_get, web_view, list, search, export, reveal, dsar_export"`
	First      time.Time        `json:"first"`
	Last       time.Time        `json:"last"`
}

type breachIn struct {
	User   string `query:"user" required:"true" maxLength:"100" doc:"User id or sign-in name"`
	From   string `query:"from" required:"true" maxLength:"40" doc:"Start, included: RFC 3339, or YYYY-MM-DD (midnight UTC)"`
	To     string `query:"to" required:"true" maxLength:"40" doc:"End, excluded: RFC 3339, or YYYY-MM-DD (midnight UTC)"`
	Format string `query:"format" enum:"json,csv" default:"json"`
}

// AuditRetentionIO is how long the audit and access logs are kept.
type AuditRetentionIO struct {
	Days    int   `json:"days"`
	MinDays int   `json:"min_days" doc:"The legal minimum under the security profile"`
	MaxDays int   `json:"max_days"`
	Version int64 `json:"version" doc:"0 while the default applies"`
}

type auditRetentionPut struct {
	IfMatch string `header:"If-Match" doc:"Version seen (\"0\" while the default applies); or give version in the body"`
	Body    struct {
		Days    int    `json:"days" doc:"Refused below the legal minimum (the refusal is audited)"`
		Version *int64 `json:"version,omitempty" doc:"Version seen, when no If-Match is sent"`
	}
}

// breachRoutes registers the auditors' breach query and the audit log
// retention. Beyond audit.read, both apply separation of duties
// (accesslog.CanReadAudit): under mlps3 only the auditor role.
func (h *Handler) breachRoutes(api humaAPI) {
	perm := guanxi.PermAuditRead
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/audit/breach", ID: "audit-breach", Perm: perm},
		"Which customers a user read, listed, searched, exported or revealed in [from, to): JSON items or CSV, streamed; the query is audited",
		func(ctx context.Context, a guanxi.Actor, in *breachIn) (*huma.StreamResponse, error) {
			// Permission first: resolving a sign-in name tells whether it exists.
			if _, err := h.auditProfile(ctx, a); err != nil {
				return nil, err
			}
			q, err := h.breachQuery(ctx, in)
			if err != nil {
				return nil, relocate(err, "query")
			}
			lang := langOf(ctx, h.app.I18n, "")
			return &huma.StreamResponse{Body: func(hc huma.Context) {
				var out breachOut = &breachJSON{q: q}
				if in.Format == "csv" {
					out = &breachCSV{t: func(key string) string { return h.app.I18n.T(lang, key, nil) }}
				}
				s := &breachStream{hc: hc, out: out, name: "breach-" + strconv.FormatInt(q.UserID, 10) + "-" + q.From.Format("20060102") + "." + in.Format}
				err := h.app.Breach.Run(hc.Context(), a, q, in.Format, s.row)
				if err == nil {
					err = s.finish()
				}
				if err == nil {
					return
				}
				if !s.started {
					// Nothing sent yet: the caller gets a proper problem.
					p := problemOf(hc.Context(), h.app.I18n, err)
					hc.SetHeader("Content-Type", "application/problem+json")
					hc.SetStatus(p.Status)
					_ = json.NewEncoder(hc.BodyWriter()).Encode(p)
					return
				}
				if h.app.Log != nil {
					h.app.Log.WarnContext(hc.Context(), "breach query", "user", q.UserID, "err", err)
				}
			}}, nil
		})

	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/audit/retention", ID: "get-audit-retention", Perm: perm},
		"How many days the audit and access logs are kept, with the legal minimum",
		func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*one[AuditRetentionIO], error) {
			if _, err := h.auditProfile(ctx, a); err != nil {
				return nil, err
			}
			return h.auditRetention(ctx)
		})
	register(api, h, Route{Method: http.MethodPut, Path: "/api/v1/audit/retention", ID: "update-audit-retention", Perm: perm},
		"Change the audit and access log retention (If-Match or version); below the legal minimum it is refused and the attempt audited",
		func(ctx context.Context, a guanxi.Actor, in *auditRetentionPut) (*one[AuditRetentionIO], error) {
			v, err := retentionVersion(in)
			if err != nil {
				return nil, err
			}
			// Retention.Set checks separation of duties itself and audits a refusal.
			if err := h.app.AuditRetention.Set(ctx, a, in.Body.Days, v); err != nil {
				return nil, relocate(err, "body")
			}
			return h.auditRetention(ctx)
		})
}

// auditProfile returns the security profile after checking that a may
// read the audit under it. A profile that cannot be read fails closed.
func (h *Handler) auditProfile(ctx context.Context, a guanxi.Actor) (string, error) {
	profile := ""
	if h.app.Settings != nil {
		var err error
		if profile, err = h.app.Settings.Get(ctx, settings.PasswordPolicy); err != nil {
			return "", err
		}
	}
	if !accesslog.CanReadAudit(a, profile) {
		return "", guanxi.Forbidden("error.forbidden")
	}
	return profile, nil
}

func (h *Handler) auditRetention(ctx context.Context) (*one[AuditRetentionIO], error) {
	days, v, err := h.app.AuditRetention.Days(ctx)
	if err != nil {
		return nil, err
	}
	profile := ""
	if h.app.Settings != nil {
		profile, _ = h.app.Settings.Get(ctx, settings.PasswordPolicy)
	}
	return &one[AuditRetentionIO]{ETag: etag(v), Body: AuditRetentionIO{Days: days, MinDays: accesslog.MinRetention(profile),
		MaxDays: accesslog.MaxRetentionDays, Version: v}}, nil
}

// retentionVersion takes the version from If-Match, else from the body;
// "0" is valid while the default applies (no row yet).
func retentionVersion(in *auditRetentionPut) (int64, error) {
	s := strings.Trim(strings.TrimPrefix(strings.TrimSpace(in.IfMatch), "W/"), `"`)
	if s == "" {
		if in.Body.Version == nil {
			return 0, &guanxi.Error{Kind: guanxi.KindPreconditionRequired, Key: "error.precondition_required"}
		}
		if *in.Body.Version < 0 {
			return 0, &guanxi.Error{Kind: guanxi.KindPreconditionFailed, Key: "error.stale"}
		}
		return *in.Body.Version, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, &guanxi.Error{Kind: guanxi.KindPreconditionFailed, Key: "error.stale"}
	}
	return v, nil
}

// breachQuery turns the query parameters into a valid query; every field
// error is reported at once.
func (h *Handler) breachQuery(ctx context.Context, in *breachIn) (accesslog.BreachQuery, error) {
	var q accesslog.BreachQuery
	var fields guanxi.Fields
	var ok bool
	if q.From, ok = apiTime(in.From); !ok {
		fields.Add("from", "validation.date")
	}
	if q.To, ok = apiTime(in.To); !ok {
		fields.Add("to", "validation.date")
	}
	id, err := h.app.Breach.ResolveUser(ctx, in.User)
	if err != nil && guanxi.KindOf(err) != guanxi.KindInvalid {
		return q, err
	}
	fields = append(fields, guanxi.AsError(err).Fields...)
	q.UserID = id
	if len(fields) == 0 {
		return q, q.Validate()
	}
	return q, fields.Err()
}

// apiTime reads RFC 3339 or a date (midnight UTC), as the CLI does.
func apiTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func breachItem(r accesslog.BreachRow) BreachItem {
	counts := make(map[string]int64, len(accesslog.Vias))
	for _, v := range accesslog.Vias {
		counts[string(v)] = r.Counts[v]
	}
	return BreachItem{CustomerID: r.CustomerID, Number: r.Number, Name: r.Name, Total: r.Total, Counts: counts,
		First: r.First.UTC(), Last: r.Last.UTC()}
}

// breachOut writes one format of the answer.
type breachOut interface {
	contentType() string
	head(w io.Writer) error
	row(w io.Writer, r accesslog.BreachRow) error
	tail(w io.Writer) error
}

// breachStream starts the response at the first row (or at the end), so an
// error before any output is still a problem with its own status.
type breachStream struct {
	hc      huma.Context
	out     breachOut
	name    string
	w       *bufio.Writer
	started bool
}

func (s *breachStream) start() error {
	s.started = true
	s.hc.SetHeader("Content-Type", s.out.contentType())
	s.hc.SetHeader("Content-Disposition", `attachment; filename="`+s.name+`"`)
	s.hc.SetHeader("Cache-Control", "no-store")
	s.hc.SetStatus(http.StatusOK)
	s.w = bufio.NewWriterSize(s.hc.BodyWriter(), 32<<10)
	return s.out.head(s.w)
}

func (s *breachStream) row(r accesslog.BreachRow) error {
	if !s.started {
		if err := s.start(); err != nil {
			return err
		}
	}
	return s.out.row(s.w, r)
}

func (s *breachStream) finish() error {
	if !s.started {
		if err := s.start(); err != nil {
			return err
		}
	}
	if err := s.out.tail(s.w); err != nil {
		return err
	}
	return s.w.Flush()
}

// breachJSON is {"user_id":…,"from":…,"to":…,"items":[…]}.
type breachJSON struct {
	q accesslog.BreachQuery
	n int
}

func (j *breachJSON) contentType() string { return "application/json" }

func (j *breachJSON) head(w io.Writer) error {
	from, _ := json.Marshal(j.q.From.UTC())
	to, _ := json.Marshal(j.q.To.UTC())
	_, err := io.WriteString(w, `{"user_id":`+strconv.FormatInt(j.q.UserID, 10)+`,"from":`+string(from)+`,"to":`+string(to)+`,"items":[`)
	return err
}

func (j *breachJSON) row(w io.Writer, r accesslog.BreachRow) error {
	b, err := json.Marshal(breachItem(r))
	if err != nil {
		return err
	}
	if j.n > 0 {
		if _, err := io.WriteString(w, ","); err != nil {
			return err
		}
	}
	j.n++
	_, err = w.Write(b)
	return err
}

func (j *breachJSON) tail(w io.Writer) error {
	_, err := io.WriteString(w, "]}\n")
	return err
}

// breachCSV is the CLI's columns with headers in the caller's language;
// bulk's CSV table adds the BOM and defuses formulas in names.
type breachCSV struct {
	t     func(key string) string
	table bulk.Table
}

func (c *breachCSV) contentType() string { return "text/csv; charset=utf-8" }

func (c *breachCSV) head(w io.Writer) error {
	c.table = bulk.NewTable(w, bulk.FormatCSV)
	head := []string{"ID", c.t("field.number"), c.t("field.name"), c.t("accesslog.breach.total")}
	for _, v := range accesslog.Vias {
		head = append(head, c.t("accesslog.via."+string(v)))
	}
	head = append(head, c.t("accesslog.breach.first"), c.t("accesslog.breach.last"))
	return c.table.Sheet(c.t("accesslog.breach.title"), head, nil)
}

func (c *breachCSV) row(_ io.Writer, r accesslog.BreachRow) error {
	cells := []any{r.CustomerID, r.Number, r.Name, r.Total}
	for _, v := range accesslog.Vias {
		cells = append(cells, r.Counts[v])
	}
	return c.table.Row(append(cells, r.First.UTC().Format(time.RFC3339Nano), r.Last.UTC().Format(time.RFC3339Nano)))
}

func (c *breachCSV) tail(io.Writer) error { return c.table.Close() }

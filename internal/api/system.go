package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/settings"
)

// AuditEntry is one audit row as the API shows it.
type AuditEntry struct {
	Seq        int64      `json:"seq"`
	At         time.Time  `json:"at"`
	ActorID    *guanxi.ID `json:"actor_id,omitempty"`
	ActorName  string     `json:"actor_name"`
	Addr       string     `json:"addr"`
	Action     string     `json:"action"`
	ObjectType string     `json:"object_type"`
	ObjectID   *guanxi.ID `json:"object_id,omitempty"`
	CustomerID *guanxi.ID `json:"customer_id,omitempty"`
	Outcome    string     `json:"outcome"`
	Detail     string     `json:"detail" doc:"JSON; sensitive values are masked"`
	Hash       string     `json:"hash"`
}

func auditOut(es []audit.Entry) []AuditEntry {
	out := make([]AuditEntry, 0, len(es))
	for _, e := range es {
		out = append(out, AuditEntry{Seq: e.Seq, At: e.At, ActorID: e.ActorID, ActorName: e.ActorName, Addr: e.Addr,
			Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, CustomerID: e.CustomerID,
			Outcome: e.Outcome, Detail: e.Detail, Hash: e.Hash})
	}
	return out
}

type auditQuery struct {
	ActorID    guanxi.ID `query:"actor_id"`
	Action     string    `query:"action"`
	ObjectType string    `query:"object_type"`
	CustomerID guanxi.ID `query:"customer_id"`
	From       time.Time `query:"from" doc:"RFC 3339"`
	To         time.Time `query:"to"`
	BeforeSeq  int64     `query:"before_seq" doc:"Cursor: the next_cursor of the previous page"`
	Limit      int       `query:"limit" minimum:"0" maximum:"200"`
}

func (q auditQuery) filter() audit.Filter {
	return audit.Filter{ActorID: q.ActorID, Action: q.Action, ObjectType: q.ObjectType, CustomerID: q.CustomerID,
		From: q.From, To: q.To, BeforeSeq: q.BeforeSeq, Limit: q.Limit}
}

// FieldDefIO is a custom field definition.
type FieldDefIO struct {
	ID       int64    `json:"id,omitempty" readOnly:"true"`
	Key      string   `json:"key,omitempty" maxLength:"40"`
	LabelZh  string   `json:"label_zh,omitempty" maxLength:"50"`
	LabelEn  string   `json:"label_en,omitempty" maxLength:"50"`
	Type     string   `json:"type,omitempty" enum:"text,number,date,choice,multi"`
	Options  []string `json:"options,omitempty" maxItems:"100"`
	Required bool     `json:"required,omitempty"`
	Position int      `json:"position,omitempty"`
	Version  int64    `json:"version,omitempty" readOnly:"true"`
}

func fieldOut(d customer.FieldDef) FieldDefIO {
	return FieldDefIO{ID: d.ID, Key: d.Key, LabelZh: d.LabelZh, LabelEn: d.LabelEn, Type: string(d.Type),
		Options: d.Options, Required: d.Required, Position: d.Position, Version: d.Version}
}

func (in FieldDefIO) def() customer.FieldDef {
	return customer.FieldDef{ID: in.ID, Key: in.Key, LabelZh: in.LabelZh, LabelEn: in.LabelEn,
		Type: customer.FieldType(in.Type), Options: in.Options, Required: in.Required, Position: in.Position}
}

func (h *Handler) systemRoutes(api humaAPI) {
	type versionOut struct {
		Body struct {
			Version string `json:"version"`
		}
	}
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/version", ID: "version", Public: true},
		"Server version", func(ctx context.Context, _ guanxi.Actor, in *struct{}) (*versionOut, error) {
			out := &versionOut{}
			out.Body.Version = h.app.Version
			return out, nil
		})
	type healthOut struct {
		Body struct {
			Status string `json:"status"`
		}
	}
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/health", ID: "health", Public: true},
		"Liveness and database check", func(ctx context.Context, _ guanxi.Actor, in *struct{}) (*healthOut, error) {
			if h.app.Health != nil {
				if err := h.app.Health(ctx); err != nil {
					return nil, &guanxi.Error{Kind: guanxi.KindUnavailable, Key: "error.unavailable", Err: err}
				}
			}
			out := &healthOut{}
			out.Body.Status = "ok"
			return out, nil
		})

	type auditPage struct {
		Body struct {
			Items      []AuditEntry `json:"items"`
			NextCursor string       `json:"next_cursor"`
		}
	}
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/audit", ID: "list-audit", Perm: guanxi.PermAuditRead},
		"The audit log, newest first", func(ctx context.Context, a guanxi.Actor, in *auditQuery) (*auditPage, error) {
			f := in.filter()
			if f.Limit == 0 {
				f.Limit = 50
			}
			es, err := h.app.Audit.List(ctx, a, f)
			if err != nil {
				return nil, err
			}
			out := &auditPage{}
			out.Body.Items = auditOut(es)
			if len(es) == f.Limit {
				out.Body.NextCursor = strconv.FormatInt(es[len(es)-1].Seq, 10)
			}
			return out, nil
		})
	type csvOut struct {
		ContentType        string `header:"Content-Type"`
		ContentDisposition string `header:"Content-Disposition"`
		Body               []byte
	}
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/audit/export", ID: "export-audit", Perm: guanxi.PermAuditRead},
		"Export the audit log as CSV (at most 100,000 rows; the export is audited)", func(ctx context.Context, a guanxi.Actor, in *auditQuery) (*csvOut, error) {
			es, err := h.app.Audit.Export(ctx, a, in.filter(), 100000)
			if err != nil {
				return nil, err
			}
			var buf bytes.Buffer
			buf.WriteString("\ufeff") // so Excel opens UTF-8 Chinese correctly
			w := csv.NewWriter(&buf)
			w.Write([]string{"seq", "at", "actor", "addr", "action", "object_type", "object_id", "customer_id", "outcome", "detail", "hash"})
			for _, e := range es {
				w.Write([]string{strconv.FormatInt(e.Seq, 10), e.At.Format(time.RFC3339), safeCell(e.ActorName), safeCell(e.Addr),
					e.Action, e.ObjectType, idText(e.ObjectID), idText(e.CustomerID), e.Outcome, safeCell(e.Detail), e.Hash})
			}
			w.Flush()
			return &csvOut{ContentType: "text/csv; charset=utf-8", ContentDisposition: `attachment; filename="audit.csv"`, Body: buf.Bytes()}, nil
		})
	type verifyOut struct {
		Body struct {
			Intact  bool  `json:"intact"`
			Broken  int64 `json:"broken_seq,omitempty" doc:"Seq of the first broken link"`
			Checked int64 `json:"checked"`
		}
	}
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/audit/verify", ID: "verify-audit", Perm: guanxi.PermAuditRead},
		"Verify the audit hash chain", func(ctx context.Context, a guanxi.Actor, in *struct{}) (*verifyOut, error) {
			broken, checked, err := h.app.Audit.Verify(ctx, a)
			if err != nil {
				return nil, err
			}
			out := &verifyOut{}
			out.Body.Intact, out.Body.Broken, out.Body.Checked = broken == 0, broken, checked
			return out, nil
		})

	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/fields", ID: "list-fields", Perm: guanxi.PermCustomerRead},
		"Custom customer fields", func(ctx context.Context, a guanxi.Actor, in *struct{}) (*many[FieldDefIO], error) {
			defs, err := h.app.Customers.ListFieldDefs(ctx, a)
			if err != nil {
				return nil, err
			}
			out := &many[FieldDefIO]{Body: []FieldDefIO{}}
			for _, d := range defs {
				out.Body = append(out.Body, fieldOut(d))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/fields", ID: "create-field", Perm: guanxi.PermFieldAdmin},
		"Define a custom customer field", func(ctx context.Context, a guanxi.Actor, in *struct{ Body FieldDefIO }) (*one[FieldDefIO], error) {
			d := in.Body.def()
			d.ID = 0
			if err := h.app.Customers.SaveFieldDef(ctx, a, &d, 0); err != nil {
				return nil, err
			}
			return &one[FieldDefIO]{ETag: etag(d.Version), Body: fieldOut(d)}, nil
		})
	type fieldPut struct {
		ID      int64  `path:"id"`
		IfMatch string `header:"If-Match"`
		Body    FieldDefIO
	}
	register(api, h, Route{Method: http.MethodPut, Path: "/api/v1/fields/{id}", ID: "update-field", Perm: guanxi.PermFieldAdmin},
		"Change a custom field's labels, options, order (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *fieldPut) (*one[FieldDefIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			d := in.Body.def()
			d.ID = in.ID
			if err := h.app.Customers.SaveFieldDef(ctx, a, &d, v); err != nil {
				return nil, err
			}
			return &one[FieldDefIO]{ETag: etag(d.Version), Body: fieldOut(d)}, nil
		})

	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/settings", ID: "list-settings", Perm: guanxi.PermSettingsAdmin},
		"Settings with defaults and limits", func(ctx context.Context, a guanxi.Actor, in *struct{}) (*many[settings.Setting], error) {
			all, err := h.app.Settings.All(ctx, a)
			return &many[settings.Setting]{Body: all}, err
		})
	type settingPut struct {
		Key     string `path:"key"`
		IfMatch string `header:"If-Match" doc:"Version seen; \"0\" while the default is in force"`
		Body    struct {
			Value string `json:"value" maxLength:"200"`
		}
	}
	register(api, h, Route{Method: http.MethodPut, Path: "/api/v1/settings/{key}", ID: "update-setting", Perm: guanxi.PermSettingsAdmin},
		"Change a setting (audited)", func(ctx context.Context, a guanxi.Actor, in *settingPut) (*noContent, error) {
			s := strings.Trim(strings.TrimPrefix(strings.TrimSpace(in.IfMatch), "W/"), `"`)
			if s == "" {
				return nil, &guanxi.Error{Kind: guanxi.KindPreconditionRequired, Key: "error.precondition_required"}
			}
			v, err := strconv.ParseInt(s, 10, 64)
			if err != nil || v < 0 {
				return nil, &guanxi.Error{Kind: guanxi.KindPreconditionFailed, Key: "error.stale"}
			}
			return &noContent{}, h.app.Settings.Set(ctx, a, in.Key, in.Body.Value, v)
		})
}

func idText(p *guanxi.ID) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

// safeCell defuses spreadsheet formulas in exported text (CSV injection).
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

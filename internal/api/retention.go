package api

import (
	"context"
	"net/http"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/retention"
)

// RetentionRuleIO is one retention rule.
type RetentionRuleIO struct {
	Kind    string `json:"kind" readOnly:"true" enum:"customers_deleted,customers_inactive,interactions,visit_logs,outbox_messages,import_images"`
	Days    int    `json:"days" minimum:"1" maximum:"36500"`
	Action  string `json:"action" readOnly:"true" enum:"purge,anonymise"`
	Enabled bool   `json:"enabled"`
	Version int64  `json:"version" readOnly:"true"`
}

// RetentionRulePatch changes a rule.
type RetentionRulePatch struct {
	Days    *int  `json:"days,omitempty" minimum:"1" maximum:"36500"`
	Enabled *bool `json:"enabled,omitempty"`
}

// RetentionRunIO is one run with its counts per kind.
type RetentionRunIO struct {
	ID         guanxi.ID        `json:"id"`
	StartedAt  time.Time        `json:"started_at"`
	FinishedAt *time.Time       `json:"finished_at,omitempty"`
	Status     string           `json:"status" enum:"running,done,failed"`
	Counts     map[string]int64 `json:"counts"`
	Error      string           `json:"error,omitempty"`
	By         string           `json:"by"`
}

type retentionRulePatchIn struct {
	Kind    string `path:"kind"`
	IfMatch string `header:"If-Match"`
	Body    RetentionRulePatch
}

type retentionRunNow struct {
	Queued bool `json:"queued"`
}

func retentionRuleOut(r retention.Rule) RetentionRuleIO {
	return RetentionRuleIO{Kind: r.Kind, Days: r.Days, Action: r.Action, Enabled: r.Enabled, Version: r.Version}
}

func (h *Handler) retentionRoutes(api humaAPI) {
	rs := h.app.Retention
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/retention-rules", ID: "list-retention-rules", Perm: guanxi.PermPrivacyAdmin},
		"Retention rules: each kind's age limit and whether the daily run applies it (held customers are always skipped)",
		func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*many[RetentionRuleIO], error) {
			rules, err := rs.Rules(ctx, a)
			if err != nil {
				return nil, err
			}
			out := &many[RetentionRuleIO]{Body: []RetentionRuleIO{}}
			for _, r := range rules {
				out.Body = append(out.Body, retentionRuleOut(r))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPatch, Path: "/api/v1/retention-rules/{kind}", ID: "update-retention-rule", Perm: guanxi.PermPrivacyAdmin},
		"Change a retention rule (If-Match required); audited",
		func(ctx context.Context, a guanxi.Actor, in *retentionRulePatchIn) (*one[RetentionRuleIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			rules, err := rs.Rules(ctx, a)
			if err != nil {
				return nil, err
			}
			for _, r := range rules {
				if r.Kind != in.Kind {
					continue
				}
				if in.Body.Days != nil {
					r.Days = *in.Body.Days
				}
				if in.Body.Enabled != nil {
					r.Enabled = *in.Body.Enabled
				}
				r.Version = v
				if err := rs.SaveRule(ctx, a, &r); err != nil {
					return nil, err
				}
				return &one[RetentionRuleIO]{ETag: etag(r.Version), Body: retentionRuleOut(r)}, nil
			}
			return nil, guanxi.NotFound("error.not_found")
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/retention-runs", ID: "list-retention-runs", Perm: guanxi.PermPrivacyAdmin},
		"The latest retention runs with what each purged or anonymised",
		func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*many[RetentionRunIO], error) {
			runs, err := rs.Runs(ctx, a, 20)
			if err != nil {
				return nil, err
			}
			out := &many[RetentionRunIO]{Body: []RetentionRunIO{}}
			for _, r := range runs {
				out.Body = append(out.Body, RetentionRunIO{ID: r.ID, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt,
					Status: r.Status, Counts: r.Counts, Error: r.Error, By: r.ByName})
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/retention-runs", ID: "run-retention", Perm: guanxi.PermPrivacyAdmin},
		"Queue a retention run now (at most one per minute)",
		func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*one[retentionRunNow], error) {
			ok, err := h.app.Retention.RunLater(ctx, a)
			if err != nil {
				return nil, err
			}
			return &one[retentionRunNow]{Body: retentionRunNow{Queued: ok}}, nil
		})
}

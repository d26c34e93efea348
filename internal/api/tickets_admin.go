package api

import (
	"context"
	"net/http"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

type calendarNoticeIO struct {
	Year    int    `json:"year" readOnly:"true"`
	Source  string `json:"source" readOnly:"true"`
	Text    string `json:"text" doc:"One rule a line: 2027-02-06..2027-02-14 holiday spring_festival / 2027-02-20 workday spring_festival"`
	Version int64  `json:"version,omitempty" readOnly:"true"`
}

type unitHoursIO struct {
	OrgUnitID   guanxi.ID `json:"org_unit_id" readOnly:"true"`
	OrgUnitName string    `json:"org_unit_name" readOnly:"true"`
	Hours       string    `json:"hours" doc:"e.g. 09:00-12:00, 13:30-17:30"`
	Version     int64     `json:"version,omitempty" readOnly:"true"`
}

// versionOf parses an optional If-Match: absent means "create" (0).
func versionOf(h string) (int64, error) {
	if h == "" {
		return 0, nil
	}
	return ifMatch(h)
}

func (h *Handler) ticketAdminRoutes(api humaAPI) {
	ts := h.app.Tickets
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/ticket-categories", ID: "list-ticket-categories", Perm: guanxi.PermTicketRead},
		"The complaint category tree, parents first", func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*many[CategoryIO], error) {
			cs, err := ts.Categories(ctx, a)
			if err != nil {
				return nil, err
			}
			out := &many[CategoryIO]{Body: []CategoryIO{}}
			for _, c := range cs {
				out.Body = append(out.Body, CategoryIO{ID: c.ID, ParentID: c.ParentID, Code: c.Code, NameZh: c.NameZh,
					NameEn: c.NameEn, Position: c.Position, Depth: c.Depth, Version: c.Version})
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/ticket-categories", ID: "create-ticket-category", Perm: guanxi.PermTicketManage},
		"Add a complaint category (head office)", func(ctx context.Context, a guanxi.Actor, in *struct{ Body CategoryIO }) (*one[CategoryIO], error) {
			c := ticket.Category{ParentID: in.Body.ParentID, Code: in.Body.Code, NameZh: in.Body.NameZh, NameEn: in.Body.NameEn, Position: in.Body.Position}
			if err := ts.SaveCategory(ctx, a, &c, 0); err != nil {
				return nil, err
			}
			return &one[CategoryIO]{ETag: etag(c.Version), Body: CategoryIO{ID: c.ID, ParentID: c.ParentID, Code: c.Code,
				NameZh: c.NameZh, NameEn: c.NameEn, Position: c.Position, Version: c.Version}}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/sla-policies", ID: "list-sla-policies", Perm: guanxi.PermTicketRead},
		"SLA policies by category and severity", func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*many[PolicyIO], error) {
			ps, err := ts.Policies(ctx, a)
			if err != nil {
				return nil, err
			}
			out := &many[PolicyIO]{Body: []PolicyIO{}}
			for _, p := range ps {
				out.Body = append(out.Body, policyOut(p))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/sla-policies", ID: "create-sla-policy", Perm: guanxi.PermTicketManage},
		"Add an SLA policy (head office)", func(ctx context.Context, a guanxi.Actor, in *struct{ Body PolicyIO }) (*one[PolicyIO], error) {
			p := in.Body.policy()
			if err := ts.SavePolicy(ctx, a, &p, 0); err != nil {
				return nil, err
			}
			return &one[PolicyIO]{ETag: etag(p.Version), Body: policyOut(p)}, nil
		})
	type policyPut struct {
		ID      guanxi.ID `path:"id"`
		IfMatch string    `header:"If-Match"`
		Body    PolicyIO
	}
	register(api, h, Route{Method: http.MethodPut, Path: "/api/v1/sla-policies/{id}", ID: "update-sla-policy", Perm: guanxi.PermTicketManage},
		"Replace an SLA policy (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *policyPut) (*one[PolicyIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			p := in.Body.policy()
			p.ID = in.ID
			if err := ts.SavePolicy(ctx, a, &p, v); err != nil {
				return nil, err
			}
			return &one[PolicyIO]{ETag: etag(p.Version), Body: policyOut(p)}, nil
		})
	register(api, h, Route{Method: http.MethodDelete, Path: "/api/v1/sla-policies/{id}", ID: "delete-sla-policy", Perm: guanxi.PermTicketManage},
		"Delete an SLA policy (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *deleteInput) (*noContent, error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			return &noContent{}, ts.DeletePolicy(ctx, a, in.ID, v)
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/calendar/notices", ID: "list-calendar-notices", Perm: guanxi.PermTicketRead},
		"Admin-entered years of the business calendar (2025 and 2026 are built in)", func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*many[calendarNoticeIO], error) {
			ns, err := ts.CalendarNotices(ctx, a)
			if err != nil {
				return nil, err
			}
			out := &many[calendarNoticeIO]{Body: []calendarNoticeIO{}}
			for _, n := range ns {
				out.Body = append(out.Body, calendarNoticeIO{Year: n.Year, Source: n.Source, Text: n.Text, Version: n.Version})
			}
			return out, nil
		})
	type noticePut struct {
		Year    int    `path:"year"`
		IfMatch string `header:"If-Match" doc:"Required to replace a stored year; omit to add one"`
		Body    calendarNoticeIO
	}
	register(api, h, Route{Method: http.MethodPut, Path: "/api/v1/calendar/notices/{year}", ID: "put-calendar-notice", Perm: guanxi.PermTicketManage},
		"Enter or import a year's holiday notice (head office)", func(ctx context.Context, a guanxi.Actor, in *noticePut) (*one[calendarNoticeIO], error) {
			v, err := versionOf(in.IfMatch)
			if err != nil {
				return nil, err
			}
			n := ticket.CalendarNotice{Year: in.Year, Text: in.Body.Text}
			if err := ts.SaveCalendarNotice(ctx, a, &n, v); err != nil {
				return nil, err
			}
			return &one[calendarNoticeIO]{ETag: etag(n.Version), Body: calendarNoticeIO{Year: n.Year, Source: n.Source, Text: n.Text, Version: n.Version}}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/working-hours", ID: "list-working-hours", Perm: guanxi.PermTicketRead},
		"Org units with their own working hours (others inherit)", func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*many[unitHoursIO], error) {
			hs, err := ts.WorkingHours(ctx, a)
			if err != nil {
				return nil, err
			}
			out := &many[unitHoursIO]{Body: []unitHoursIO{}}
			for _, x := range hs {
				out.Body = append(out.Body, unitHoursIO{OrgUnitID: x.OrgUnitID, OrgUnitName: x.OrgUnitName, Hours: x.Hours, Version: x.Version})
			}
			return out, nil
		})
	type hoursPut struct {
		ID      guanxi.ID `path:"id" doc:"Org unit id"`
		IfMatch string    `header:"If-Match" doc:"Required to replace stored hours; omit to add"`
		Body    unitHoursIO
	}
	register(api, h, Route{Method: http.MethodPut, Path: "/api/v1/working-hours/{id}", ID: "put-working-hours", Perm: guanxi.PermTicketManage},
		"Set an org unit's working hours (managers of its subtree)", func(ctx context.Context, a guanxi.Actor, in *hoursPut) (*one[unitHoursIO], error) {
			v, err := versionOf(in.IfMatch)
			if err != nil {
				return nil, err
			}
			x := ticket.UnitHours{OrgUnitID: in.ID, Hours: in.Body.Hours}
			if err := ts.SaveWorkingHours(ctx, a, &x, v); err != nil {
				return nil, err
			}
			return &one[unitHoursIO]{ETag: etag(x.Version), Body: unitHoursIO{OrgUnitID: x.OrgUnitID, Hours: x.Hours, Version: x.Version}}, nil
		})
}

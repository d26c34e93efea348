package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/appointment"
)

// AppointmentKindIO is a kind of appointment with its default length and
// reminder offsets (minutes before the start).
type AppointmentKindIO struct {
	ID              guanxi.ID `json:"id,omitempty" readOnly:"true"`
	Code            string    `json:"code" maxLength:"40"`
	NameZh          string    `json:"name_zh" maxLength:"100"`
	NameEn          string    `json:"name_en,omitempty" maxLength:"100"`
	DurationMinutes int       `json:"duration_minutes" minimum:"5" maximum:"1440"`
	ReminderOffsets []int     `json:"reminder_offsets" doc:"Minutes before the start; default 1440 and 120 (1 day, 2 hours)"`
	Active          bool      `json:"active"`
	Version         int64     `json:"version,omitempty" readOnly:"true"`
}

func aptKindOut(k appointment.Kind) AppointmentKindIO {
	return AppointmentKindIO{ID: k.ID, Code: k.Code, NameZh: k.NameZh, NameEn: k.NameEn, DurationMinutes: k.DurationMinutes,
		ReminderOffsets: append([]int{}, k.Offsets()...), Active: k.Active, Version: k.Version}
}

func (b AppointmentKindIO) kind(id guanxi.ID) appointment.Kind {
	k := appointment.Kind{ID: id, Code: b.Code, NameZh: b.NameZh, NameEn: b.NameEn, DurationMinutes: b.DurationMinutes, Active: b.Active}
	for i, m := range b.ReminderOffsets {
		if i > 0 {
			k.Reminders += ","
		}
		k.Reminders += strconv.Itoa(m)
	}
	return k
}

// AppointmentResourceIO is a service bay, desk or staff member with
// opening hours, slot length and seats per slot.
type AppointmentResourceIO struct {
	ID          guanxi.ID  `json:"id,omitempty" readOnly:"true"`
	Name        string     `json:"name" maxLength:"100"`
	Kind        string     `json:"kind" enum:"bay,desk,staff"`
	OrgUnitID   *guanxi.ID `json:"org_unit_id,omitempty"`
	OrgUnitName string     `json:"org_unit_name,omitempty" readOnly:"true"`
	UserID      *guanxi.ID `json:"user_id,omitempty" doc:"The staff member (kind staff)"`
	Hours       string     `json:"hours,omitempty" doc:"Monday..Sunday: seven comma-separated HH:MM-HH:MM, empty = closed"`
	SlotMinutes int        `json:"slot_minutes" minimum:"5" maximum:"1440"`
	Capacity    int        `json:"capacity" minimum:"1" maximum:"1000" doc:"Seats per slot"`
	Active      bool       `json:"active"`
	Version     int64      `json:"version,omitempty" readOnly:"true"`
}

func aptResourceOut(r appointment.Resource) AppointmentResourceIO {
	return AppointmentResourceIO{ID: r.ID, Name: r.Name, Kind: r.Kind, OrgUnitID: r.OrgUnitID, OrgUnitName: r.OrgUnitName,
		UserID: r.UserID, Hours: r.Hours, SlotMinutes: r.SlotMinutes, Capacity: r.Capacity, Active: r.Active, Version: r.Version}
}

func (b AppointmentResourceIO) resource(id guanxi.ID) appointment.Resource {
	return appointment.Resource{ID: id, Name: b.Name, Kind: b.Kind, OrgUnitID: b.OrgUnitID, UserID: b.UserID, Hours: b.Hours,
		SlotMinutes: b.SlotMinutes, Capacity: b.Capacity, Active: b.Active}
}

// AppointmentIO is one appointment (APT-…).
type AppointmentIO struct {
	ID           guanxi.ID  `json:"id,omitempty" readOnly:"true"`
	Number       string     `json:"number,omitempty" readOnly:"true"`
	CustomerID   guanxi.ID  `json:"customer_id"`
	CustomerName string     `json:"customer_name,omitempty" readOnly:"true"`
	KindID       guanxi.ID  `json:"kind_id"`
	Kind         string     `json:"kind,omitempty" readOnly:"true"`
	ResourceID   guanxi.ID  `json:"resource_id"`
	ResourceName string     `json:"resource_name,omitempty" readOnly:"true"`
	StaffID      *guanxi.ID `json:"staff_id,omitempty"`
	StaffName    string     `json:"staff_name,omitempty" readOnly:"true"`
	StartsAt     time.Time  `json:"starts_at" doc:"On the resource's slot grid"`
	EndsAt       time.Time  `json:"ends_at,omitempty" readOnly:"true"`
	Status       string     `json:"status,omitempty" readOnly:"true" enum:"booked,confirmed,arrived,no_show,cancelled"`
	Priority     bool       `json:"priority" doc:"Priority service on arrival (APT-04)"`
	Note         string     `json:"note,omitempty" maxLength:"1000"`
	TaskID       guanxi.ID  `json:"task_id,omitempty" writeOnly:"true" doc:"Book from this open task of the customer: it is closed as done, outcome booked"`
	CancelReason string     `json:"cancel_reason,omitempty" readOnly:"true"`
	GiftGiven    bool       `json:"gift_given,omitempty" readOnly:"true" doc:"APT-02"`
	ArriveNote   string     `json:"arrive_note,omitempty" readOnly:"true"`
	ArrivedAt    *time.Time `json:"arrived_at,omitempty" readOnly:"true"`
	Reschedules  int        `json:"reschedules,omitempty" readOnly:"true"`
	Version      int64      `json:"version,omitempty" readOnly:"true"`
}

func appointmentOut(ap appointment.Appointment) AppointmentIO {
	return AppointmentIO{ID: ap.ID, Number: ap.Number(), CustomerID: ap.CustomerID, CustomerName: ap.CustomerName,
		KindID: ap.KindID, Kind: ap.KindCode, ResourceID: ap.ResourceID, ResourceName: ap.ResourceName, StaffID: ap.StaffID,
		StaffName: ap.StaffName, StartsAt: ap.StartsAt, EndsAt: ap.EndsAt, Status: ap.Status, Priority: ap.Priority,
		Note: ap.Note, CancelReason: ap.CancelReason, GiftGiven: ap.GiftGiven, ArriveNote: ap.ArriveNote,
		ArrivedAt: ap.ArrivedAt, Reschedules: ap.Reschedules, Version: ap.Version}
}

// AppointmentSlotIO is one slot of a resource's day.
type AppointmentSlotIO struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Capacity int       `json:"capacity"`
	Free     int       `json:"free"`
}

// AppointmentLineIO is one team and period of the success report.
type AppointmentLineIO struct {
	TeamID              guanxi.ID `json:"team_id,omitempty"`
	Team                string    `json:"team,omitempty"`
	Period              string    `json:"period,omitempty"`
	Booked              int       `json:"booked"`
	Cancelled           int       `json:"cancelled"`
	Upcoming            int       `json:"upcoming"`
	Due                 int       `json:"due" doc:"arrived + no-show + past and not closed"`
	Arrived             int       `json:"arrived"`
	NoShow              int       `json:"no_show"`
	PastOpen            int       `json:"past_open"`
	Reminded            int       `json:"reminded" doc:"A reminder reached status sent"`
	SuccessRate         float64   `json:"success_rate" doc:"arrived ÷ due"`
	ReminderRate        float64   `json:"reminder_rate" doc:"reminded ÷ (booked − cancelled)"`
	RemindedArrivalRate float64   `json:"reminded_arrival_rate" doc:"arrivals among the reminded ÷ reminded"`
}

func aptLineOut(l appointment.Line) AppointmentLineIO {
	return AppointmentLineIO{TeamID: l.UnitID, Team: l.Team, Period: l.Period, Booked: l.Booked, Cancelled: l.Cancelled,
		Upcoming: l.Upcoming, Due: l.Due(), Arrived: l.Arrived, NoShow: l.NoShow, PastOpen: l.PastOpen, Reminded: l.Reminded,
		SuccessRate: l.Rate(), ReminderRate: l.ReminderRate(), RemindedArrivalRate: l.RemindedArrivalRate()}
}

// AppointmentReportIO is the appointment success report (APT-05).
type AppointmentReportIO struct {
	From     string              `json:"from"`
	To       string              `json:"to"`
	Period   string              `json:"period"`
	Target   float64             `json:"target"`
	Baseline float64             `json:"baseline"`
	Lines    []AppointmentLineIO `json:"lines"`
	Total    AppointmentLineIO   `json:"total"`
}

// ReliableCustomerIO is a customer who keeps appointments (APT-03).
type ReliableCustomerIO struct {
	CustomerID   guanxi.ID `json:"customer_id"`
	CustomerName string    `json:"customer_name"`
	OwnerName    string    `json:"owner_name"`
	Arrived      int       `json:"arrived"`
	Due          int       `json:"due"`
	Rate         float64   `json:"rate"`
}

type aptIDPath struct {
	ID guanxi.ID `path:"id"`
}

type aptPut[T any] struct {
	ID      guanxi.ID `path:"id"`
	IfMatch string    `header:"If-Match"`
	Body    T
}

type aptListParams struct {
	From       string    `query:"from" doc:"YYYY-MM-DD (local), on the start"`
	To         string    `query:"to" doc:"YYYY-MM-DD (local), inclusive"`
	ResourceID guanxi.ID `query:"resource_id"`
	KindID     guanxi.ID `query:"kind_id"`
	Status     string    `query:"status" enum:"booked,confirmed,arrived,no_show,cancelled"`
	OwnerID    guanxi.ID `query:"owner_id" doc:"The customer's owner"`
	CustomerID guanxi.ID `query:"customer_id"`
	PastOpen   bool      `query:"past_open" doc:"Booked or confirmed with the start passed: to close as arrived or no-show"`
	Limit      int       `query:"limit" minimum:"0" maximum:"200" doc:"Page size, default and at most 200"`
	Cursor     string    `query:"cursor" doc:"next_cursor of the page before"`
}

// AppointmentRescheduleIn moves an appointment.
type AppointmentRescheduleIn struct {
	StartsAt   time.Time `json:"starts_at"`
	ResourceID guanxi.ID `json:"resource_id,omitempty" doc:"Default: the same resource"`
}

// AppointmentActionIn carries an action's inputs.
type AppointmentActionIn struct {
	Gift   bool   `json:"gift,omitempty" doc:"arrive: a gift was given (APT-02)"`
	Note   string `json:"note,omitempty" maxLength:"1000" doc:"arrive, no-show"`
	Reason string `json:"reason,omitempty" maxLength:"500" doc:"cancel: required"`
}

func (h *Handler) appointmentRoutes(api humaAPI) {
	as := h.app.Appointments
	if as == nil {
		return
	}
	// Kinds.
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/appointment-kinds", ID: "list-appointment-kinds", Perm: guanxi.PermSelf},
		"Appointment kinds", func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*many[AppointmentKindIO], error) {
			ks, err := as.Kinds(ctx, a)
			if err != nil {
				return nil, err
			}
			out := &many[AppointmentKindIO]{Body: []AppointmentKindIO{}}
			for _, k := range ks {
				out.Body = append(out.Body, aptKindOut(k))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/appointment-kinds", ID: "create-appointment-kind", Perm: guanxi.PermCareAdmin},
		"Add an appointment kind", func(ctx context.Context, a guanxi.Actor, in *struct{ Body AppointmentKindIO }) (*one[AppointmentKindIO], error) {
			k := in.Body.kind(0)
			if err := as.SaveKind(ctx, a, &k, 0); err != nil {
				return nil, err
			}
			return &one[AppointmentKindIO]{ETag: etag(k.Version), Body: aptKindOut(k)}, nil
		})
	register(api, h, Route{Method: http.MethodPut, Path: "/api/v1/appointment-kinds/{id}", ID: "update-appointment-kind", Perm: guanxi.PermCareAdmin},
		"Change an appointment kind (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *aptPut[AppointmentKindIO]) (*one[AppointmentKindIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			k := in.Body.kind(in.ID)
			if err := as.SaveKind(ctx, a, &k, v); err != nil {
				return nil, err
			}
			return &one[AppointmentKindIO]{ETag: etag(k.Version), Body: aptKindOut(k)}, nil
		})
	// Resources.
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/appointment-resources", ID: "list-appointment-resources", Perm: guanxi.PermSelf},
		"Service bays, desks and staff that take appointments", func(ctx context.Context, a guanxi.Actor, _ *struct{}) (*many[AppointmentResourceIO], error) {
			rs, err := as.Resources(ctx, a)
			if err != nil {
				return nil, err
			}
			out := &many[AppointmentResourceIO]{Body: []AppointmentResourceIO{}}
			for _, r := range rs {
				out.Body = append(out.Body, aptResourceOut(r))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/appointment-resources", ID: "create-appointment-resource", Perm: guanxi.PermCareAdmin},
		"Add a resource", func(ctx context.Context, a guanxi.Actor, in *struct{ Body AppointmentResourceIO }) (*one[AppointmentResourceIO], error) {
			r := in.Body.resource(0)
			if err := as.SaveResource(ctx, a, &r, 0); err != nil {
				return nil, err
			}
			return &one[AppointmentResourceIO]{ETag: etag(r.Version), Body: aptResourceOut(r)}, nil
		})
	register(api, h, Route{Method: http.MethodPut, Path: "/api/v1/appointment-resources/{id}", ID: "update-appointment-resource", Perm: guanxi.PermCareAdmin},
		"Change a resource (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *aptPut[AppointmentResourceIO]) (*one[AppointmentResourceIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			r := in.Body.resource(in.ID)
			if err := as.SaveResource(ctx, a, &r, v); err != nil {
				return nil, err
			}
			return &one[AppointmentResourceIO]{ETag: etag(r.Version), Body: aptResourceOut(r)}, nil
		})
	// Availability.
	type availParams struct {
		Resource guanxi.ID `query:"resource" required:"true"`
		Date     string    `query:"date" required:"true" doc:"YYYY-MM-DD (local)"`
	}
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/appointments/availability", ID: "appointment-availability", Perm: guanxi.PermSelf},
		"Free seats per slot of a resource on a day", func(ctx context.Context, a guanxi.Actor, in *availParams) (*many[AppointmentSlotIO], error) {
			_, slots, err := as.Availability(ctx, a, in.Resource, in.Date)
			if err != nil {
				return nil, err
			}
			out := &many[AppointmentSlotIO]{Body: []AppointmentSlotIO{}}
			for _, s := range slots {
				out.Body = append(out.Body, AppointmentSlotIO{Start: s.Start.UTC(), End: s.End.UTC(), Capacity: s.Capacity, Free: s.Free()})
			}
			return out, nil
		})
	// Appointments.
	get := func(ctx context.Context, a guanxi.Actor, id guanxi.ID) (*one[AppointmentIO], error) {
		ap, err := as.Get(ctx, a, id)
		if err != nil {
			return nil, err
		}
		return &one[AppointmentIO]{ETag: etag(ap.Version), Body: appointmentOut(ap)}, nil
	}
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/appointments", ID: "list-appointments", Perm: guanxi.PermCustomerRead},
		"Appointments of the customers in your scope: by start time, cursor paging", func(ctx context.Context, a guanxi.Actor, in *aptListParams) (*struct{ Body Page[AppointmentIO] }, error) {
			page, err := as.Page(ctx, a, appointment.ListQuery{From: in.From, To: in.To, ResourceID: in.ResourceID, KindID: in.KindID,
				Status: in.Status, OwnerID: in.OwnerID, CustomerID: in.CustomerID, PastOpen: in.PastOpen, Limit: in.Limit,
				Cursor: in.Cursor})
			if err != nil {
				return nil, relocate(err, "query")
			}
			out := &struct{ Body Page[AppointmentIO] }{Body: Page[AppointmentIO]{Items: make([]AppointmentIO, 0, len(page.Items)),
				NextCursor: page.NextCursor}}
			for _, ap := range page.Items {
				out.Body.Items = append(out.Body.Items, appointmentOut(ap))
			}
			return out, nil
		})
	register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/appointments", ID: "create-appointment", Perm: guanxi.PermCustomerWrite},
		"Book an appointment (capacity checked; reminders queued)", func(ctx context.Context, a guanxi.Actor, in *struct{ Body AppointmentIO }) (*one[AppointmentIO], error) {
			b := in.Body
			ap := appointment.Appointment{CustomerID: b.CustomerID, KindID: b.KindID, ResourceID: b.ResourceID, StaffID: b.StaffID,
				StartsAt: b.StartsAt, Priority: b.Priority, Note: b.Note}
			if err := as.Book(ctx, a, &ap, b.TaskID); err != nil {
				return nil, err
			}
			return &one[AppointmentIO]{ETag: etag(ap.Version), Body: appointmentOut(ap)}, nil
		})
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/appointments/{id}", ID: "get-appointment", Perm: guanxi.PermCustomerRead},
		"One appointment", func(ctx context.Context, a guanxi.Actor, in *aptIDPath) (*one[AppointmentIO], error) {
			return get(ctx, a, in.ID)
		})
	register(api, h, Route{Method: http.MethodPatch, Path: "/api/v1/appointments/{id}", ID: "reschedule-appointment", Perm: guanxi.PermCustomerWrite},
		"Reschedule an open appointment (If-Match required; reminders replaced)", func(ctx context.Context, a guanxi.Actor, in *aptPut[AppointmentRescheduleIn]) (*one[AppointmentIO], error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			ap, err := as.Reschedule(ctx, a, in.ID, v, in.Body.StartsAt, in.Body.ResourceID)
			if err != nil {
				return nil, err
			}
			return &one[AppointmentIO]{ETag: etag(ap.Version), Body: appointmentOut(ap)}, nil
		})
	for _, act := range []struct{ path, action, summary string }{
		{"confirm", appointment.ActionConfirm, "Confirm a booked appointment (a confirmation message is queued)"},
		{"arrive", appointment.ActionArrive, "Record the customer's arrival, the gift given and a note"},
		{"no-show", appointment.ActionNoShow, "Record a no-show once the start has passed"},
		{"cancel", appointment.ActionCancel, "Cancel with a reason (reminders withdrawn)"},
	} {
		register(api, h, Route{Method: http.MethodPost, Path: "/api/v1/appointments/{id}/" + act.path, ID: act.path + "-appointment", Perm: guanxi.PermCustomerWrite},
			act.summary+" (If-Match required)", func(ctx context.Context, a guanxi.Actor, in *aptPut[AppointmentActionIn]) (*one[AppointmentIO], error) {
				v, err := ifMatch(in.IfMatch)
				if err != nil {
					return nil, err
				}
				ap, err := as.Act(ctx, a, in.ID, v, act.action, appointment.Change{Gift: in.Body.Gift, Note: in.Body.Note, Reason: in.Body.Reason})
				if err != nil {
					return nil, err
				}
				return &one[AppointmentIO]{ETag: etag(ap.Version), Body: appointmentOut(ap)}, nil
			})
	}
	// Report.
	type reportParams struct {
		From   string `query:"from" doc:"YYYY-MM-DD; default 1 January"`
		To     string `query:"to" doc:"YYYY-MM-DD; default 31 December"`
		Period string `query:"period" enum:"month,quarter,year"`
	}
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/reports/appointments", ID: "appointment-report", Perm: guanxi.PermCareReport},
		"Appointment success rate per team (owner's org unit) and period against the target", func(ctx context.Context, a guanxi.Actor, in *reportParams) (*struct{ Body AppointmentReportIO }, error) {
			r, err := as.Report(ctx, a, appointment.ReportQuery{From: in.From, To: in.To, Period: in.Period})
			if err != nil {
				return nil, err
			}
			out := AppointmentReportIO{From: r.From, To: r.To, Period: r.Period, Target: r.Target, Baseline: r.Baseline,
				Lines: []AppointmentLineIO{}, Total: aptLineOut(r.Total)}
			for _, l := range r.Lines {
				out.Lines = append(out.Lines, aptLineOut(l))
			}
			return &struct{ Body AppointmentReportIO }{Body: out}, nil
		})
	type reliableParams struct {
		Year     int     `query:"year" required:"true"`
		MinCount int     `query:"min_count" minimum:"0" doc:"Default 1"`
		MinRate  float64 `query:"min_rate" minimum:"0" maximum:"1" doc:"Default 0.8"`
	}
	register(api, h, Route{Method: http.MethodGet, Path: "/api/v1/reports/appointments/reliable", ID: "appointment-reliable-customers", Perm: guanxi.PermCareReport},
		"Customers who keep their appointments (yearly success rate, APT-03)", func(ctx context.Context, a guanxi.Actor, in *reliableParams) (*many[ReliableCustomerIO], error) {
			list, err := as.Reliable(ctx, a, in.Year, in.MinCount, in.MinRate)
			if err != nil {
				return nil, err
			}
			out := &many[ReliableCustomerIO]{Body: []ReliableCustomerIO{}}
			for _, c := range list {
				out.Body = append(out.Body, ReliableCustomerIO{CustomerID: c.CustomerID, CustomerName: c.CustomerName,
					OwnerName: c.OwnerName, Arrived: c.Arrived, Due: c.Due, Rate: c.Rate()})
			}
			return out, nil
		})
}

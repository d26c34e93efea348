package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/appointment"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// aptFixture is a service on a settable clock (2030-01-01 08:00 China
// time), a resource open every day 08:00–20:00 with 60-minute slots, and
// the seeded maintenance kind (60 minutes, reminders 1 day and 2 hours).
type aptFixture struct {
	svc   *appointment.Service
	clock *time.Time
	loc   *time.Location
	res   appointment.Resource
	kind  appointment.Kind
}

const allDays = "08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00"

func newAptFixture(t *testing.T, s *sqlstore.Store, admin guanxi.Actor, capacity int) aptFixture {
	t.Helper()
	ctx := context.Background()
	loc := task.ChinaTime()
	clock := time.Date(2030, 1, 1, 8, 0, 0, 0, loc)
	f := aptFixture{clock: &clock, loc: loc}
	f.svc = &appointment.Service{Store: s, Loc: loc, Now: func() time.Time { return *f.clock }}
	f.res = appointment.Resource{Name: "1号工位", Kind: appointment.ResourceBay, Hours: allDays, SlotMinutes: 60,
		Capacity: capacity, Active: true}
	if err := f.svc.SaveResource(ctx, admin, &f.res, 0); err != nil {
		t.Fatal(err)
	}
	kinds, err := f.svc.Kinds(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kinds {
		if k.Code == "maintenance" {
			f.kind = k
		}
	}
	if f.kind.ID == 0 || f.kind.Reminders != "1440,120" || f.kind.DurationMinutes != 60 || len(kinds) != 6 {
		t.Fatalf("seeded kinds: %+v", kinds)
	}
	return f
}

func (f aptFixture) at(day, hour int) time.Time { return time.Date(2030, 1, day, hour, 0, 0, 0, f.loc) }

func (f aptFixture) book(t *testing.T, a guanxi.Actor, customerID guanxi.ID, start time.Time) appointment.Appointment {
	t.Helper()
	ap := appointment.Appointment{CustomerID: customerID, KindID: f.kind.ID, ResourceID: f.res.ID, StartsAt: start, Priority: true}
	if err := f.svc.Book(context.Background(), a, &ap, 0); err != nil {
		t.Fatal(err)
	}
	return ap
}

type outboxRow struct {
	Template  string    `db:"template"`
	Status    string    `db:"status"`
	SendAfter time.Time `db:"send_after"`
	IdemKey   string    `db:"idem_key"`
}

func aptMessages(t *testing.T, s *sqlstore.Store, id guanxi.ID) []outboxRow {
	t.Helper()
	q := "SELECT template, status, send_after, idem_key FROM outbox_messages WHERE ref_kind = 'appointment' AND ref_id = ? ORDER BY id"
	if s.Dialect() == sqlstore.Postgres {
		q = "SELECT template, status, send_after, idem_key FROM outbox_messages WHERE ref_kind = 'appointment' AND ref_id = $1 ORDER BY id"
	}
	rows, err := s.DB().QueryContext(context.Background(), q, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		if err := rows.Scan(&r.Template, &r.Status, &r.SendAfter, &r.IdemKey); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func countBy(rows []outboxRow, template, status string) int {
	n := 0
	for _, r := range rows {
		if r.Template == template && r.Status == status {
			n++
		}
	}
	return n
}

func wantConflict(t *testing.T, err error, key string) {
	t.Helper()
	if guanxi.KindOf(err) != guanxi.KindConflict || guanxi.AsError(err).Key != key {
		t.Fatalf("want conflict %s, got %v", key, err)
	}
}

// TestAppointmentLifecycle: book → reminders queued; confirm → message;
// reschedule → reminders replaced; invalid transitions are clear conflicts;
// cancel withdraws reminders and drops the prepare task; arrival records
// the gift; the prepare task is on the owner's day.
func TestAppointmentLifecycle(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		st := seedStaff(t, s)
		f := newAptFixture(t, s, st.Admin, 1)
		c := mkCustomer(t, s, st.AgentA1, "赵六", "13800138021", "")
		ap := f.book(t, st.AgentA1, c.ID, f.at(7, 10))
		if ap.Number() != appointment.Number(ap.ID) || ap.Status != appointment.StatusBooked || !ap.EndsAt.Equal(f.at(7, 11)) ||
			ap.CustomerName != "赵六" || ap.ResourceName != "1号工位" || ap.PrepTaskID == nil {
			t.Fatalf("booked: %+v", ap)
		}
		msgs := aptMessages(t, s, ap.ID)
		if len(msgs) != 2 || countBy(msgs, "appointment.reminder", "queued") != 2 ||
			!msgs[0].SendAfter.Equal(f.at(6, 10)) || !msgs[1].SendAfter.Equal(f.at(7, 8)) {
			t.Fatalf("reminders: %+v", msgs)
		}
		// The prepare task is the owner's, on the day.
		tasks, err := s.ListTasks(ctx, st.AgentA1, task.ListQuery{OwnerID: st.AgentA1.UserID, DueFrom: "2030-01-07", DueTo: "2030-01-07", Limit: 10})
		if err != nil || len(tasks) != 1 || tasks[0].Kind != task.KindAppointment {
			t.Fatalf("prepare task: %+v %v", tasks, err)
		}
		// The last seat of the slot is taken: a clear conflict naming it.
		other := mkCustomer(t, s, st.AgentA1, "钱七", "13800138022", "")
		err = f.svc.Book(ctx, st.AgentA1, &appointment.Appointment{CustomerID: other.ID, KindID: f.kind.ID, ResourceID: f.res.ID, StartsAt: f.at(7, 10)}, 0)
		wantConflict(t, err, "error.appointment_full")
		if guanxi.AsError(err).Args["slot"] != "2030-01-07 10:00" {
			t.Fatalf("full slot: %+v", guanxi.AsError(err).Args)
		}
		// Off the grid or after closing is invalid.
		err = f.svc.Book(ctx, st.AgentA1, &appointment.Appointment{CustomerID: other.ID, KindID: f.kind.ID, ResourceID: f.res.ID,
			StartsAt: f.at(7, 10).Add(30 * time.Minute)}, 0)
		if guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("off grid: %v", err)
		}
		_, slots, err := f.svc.Availability(ctx, st.AgentA1, f.res.ID, "2030-01-07")
		if err != nil || len(slots) != 12 || slots[2].Free() != 0 || slots[3].Free() != 1 {
			t.Fatalf("availability: %+v %v", slots, err)
		}
		// Invalid transitions.
		_, err = f.svc.Act(ctx, st.AgentA1, ap.ID, ap.Version, appointment.ActionNoShow, appointment.Change{})
		wantConflict(t, err, "error.appointment_not_due")
		if _, err := f.svc.Act(ctx, st.AgentA1, ap.ID, ap.Version+1, appointment.ActionConfirm, appointment.Change{}); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Fatalf("stale confirm: %v", err)
		}
		ap, err = f.svc.Act(ctx, st.AgentA1, ap.ID, ap.Version, appointment.ActionConfirm, appointment.Change{})
		if err != nil || ap.Status != appointment.StatusConfirmed {
			t.Fatalf("confirm: %+v %v", ap, err)
		}
		_, err = f.svc.Act(ctx, st.AgentA1, ap.ID, ap.Version, appointment.ActionConfirm, appointment.Change{})
		wantConflict(t, err, "error.appointment_transition")
		if countBy(aptMessages(t, s, ap.ID), "appointment.confirm", "queued") != 1 {
			t.Fatal("confirmation not queued")
		}
		// Reschedule: stale version fails; the move replaces the reminders
		// and moves the prepare task.
		if _, err := f.svc.Reschedule(ctx, st.AgentA1, ap.ID, ap.Version-1, f.at(8, 9), 0); guanxi.KindOf(err) != guanxi.KindPreconditionFailed {
			t.Fatalf("stale reschedule: %v", err)
		}
		moved, err := f.svc.Reschedule(ctx, st.AgentA1, ap.ID, ap.Version, f.at(8, 9), 0)
		if err != nil || !moved.StartsAt.Equal(f.at(8, 9)) || moved.Status != appointment.StatusConfirmed || moved.Reschedules != 1 {
			t.Fatalf("reschedule: %+v %v", moved, err)
		}
		msgs = aptMessages(t, s, ap.ID)
		if countBy(msgs, "appointment.reminder", "cancelled") != 2 || countBy(msgs, "appointment.reminder", "queued") != 2 {
			t.Fatalf("reminders after move: %+v", msgs)
		}
		tasks, _ = s.ListTasks(ctx, st.AgentA1, task.ListQuery{OwnerID: st.AgentA1.UserID, DueFrom: "2030-01-08", DueTo: "2030-01-08", Limit: 10})
		if len(tasks) != 1 {
			t.Fatalf("prepare task not moved: %+v", tasks)
		}
		// The freed seat can be booked again.
		f.book(t, st.AgentA1, other.ID, f.at(7, 10))
		// Cancel needs a reason; then reminders are withdrawn and a notice queued.
		if _, err := f.svc.Act(ctx, st.AgentA1, ap.ID, moved.Version, appointment.ActionCancel, appointment.Change{}); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("cancel without reason: %v", err)
		}
		got, err := f.svc.Act(ctx, st.AgentA1, ap.ID, moved.Version, appointment.ActionCancel, appointment.Change{Reason: "客户出差"})
		if err != nil || got.Status != appointment.StatusCancelled || got.CancelReason != "客户出差" {
			t.Fatalf("cancel: %+v %v", got, err)
		}
		msgs = aptMessages(t, s, ap.ID)
		if countBy(msgs, "appointment.reminder", "queued") != 0 || countBy(msgs, "appointment.cancel", "queued") != 1 {
			t.Fatalf("messages after cancel: %+v", msgs)
		}
		tasks, _ = s.ListTasks(ctx, st.AgentA1, task.ListQuery{OwnerID: st.AgentA1.UserID, DueFrom: "2030-01-08", DueTo: "2030-01-08", Limit: 10})
		if len(tasks) != 0 {
			t.Fatalf("prepare task still open: %+v", tasks)
		}
		_, err = f.svc.Act(ctx, st.AgentA1, ap.ID, got.Version, appointment.ActionArrive, appointment.Change{})
		wantConflict(t, err, "error.appointment_transition")
		// Arrival with the gift (APT-02); no-show once the start has passed.
		a2 := f.book(t, st.AgentA1, c.ID, f.at(9, 14))
		a3 := f.book(t, st.AgentA1, c.ID, f.at(9, 15))
		*f.clock = f.at(9, 16)
		arr, err := f.svc.Act(ctx, st.AgentA1, a2.ID, a2.Version, appointment.ActionArrive, appointment.Change{Gift: true, Note: "保养完成"})
		if err != nil || arr.Status != appointment.StatusArrived || !arr.GiftGiven || arr.ArrivedAt == nil {
			t.Fatalf("arrive: %+v %v", arr, err)
		}
		if g, _ := f.svc.Get(ctx, st.AgentA1, a2.ID); !g.GiftGiven || g.ArriveNote != "保养完成" || !g.Priority {
			t.Fatalf("stored arrival: %+v", g)
		}
		past, err := f.svc.List(ctx, st.AgentA1, appointment.ListQuery{PastOpen: true})
		if err != nil || len(past) != 2 { // a3 and the one at 7 Jan 10:00
			t.Fatalf("past, not closed: %+v %v", past, err)
		}
		if ns, err := f.svc.Act(ctx, st.AgentA1, a3.ID, a3.Version, appointment.ActionNoShow, appointment.Change{}); err != nil || ns.Status != appointment.StatusNoShow {
			t.Fatalf("no-show: %+v %v", ns, err)
		}
		// Booking in the past is refused.
		err = f.svc.Book(ctx, st.AgentA1, &appointment.Appointment{CustomerID: c.ID, KindID: f.kind.ID, ResourceID: f.res.ID, StartsAt: f.at(9, 10)}, 0)
		if guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("past booking: %v", err)
		}
	})
}

// TestAppointmentScope: another agent's customer's appointment is NotFound
// on every path; admins of kinds and resources need care.admin.
func TestAppointmentScope(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		st := seedStaff(t, s)
		f := newAptFixture(t, s, st.Admin, 3)
		c := mkCustomer(t, s, st.AgentA1, "孙八", "13800138031", "")
		ap := f.book(t, st.AgentA1, c.ID, f.at(7, 10))
		if _, err := f.svc.Get(ctx, st.AgentB, ap.ID); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("other agent reads: %v", err)
		}
		if _, err := f.svc.Act(ctx, st.AgentB, ap.ID, ap.Version, appointment.ActionConfirm, appointment.Change{}); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("other agent confirms: %v", err)
		}
		if _, err := f.svc.Reschedule(ctx, st.AgentB, ap.ID, ap.Version, f.at(8, 10), 0); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("other agent moves: %v", err)
		}
		err := f.svc.Book(ctx, st.AgentB, &appointment.Appointment{CustomerID: c.ID, KindID: f.kind.ID, ResourceID: f.res.ID, StartsAt: f.at(7, 11)}, 0)
		if guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("other agent books: %v", err)
		}
		if list, _ := f.svc.List(ctx, st.AgentB, appointment.ListQuery{}); len(list) != 0 {
			t.Fatalf("other agent lists: %+v", list)
		}
		if list, _ := f.svc.List(ctx, st.ManagerA, appointment.ListQuery{}); len(list) != 1 {
			t.Fatalf("manager lists: %+v", list)
		}
		r := appointment.Resource{Name: "柜台", Kind: appointment.ResourceDesk, SlotMinutes: 30, Capacity: 2, Active: true}
		if err := f.svc.SaveResource(ctx, st.AgentA1, &r, 0); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("agent saves resource: %v", err)
		}
		if _, err := f.svc.Report(ctx, st.AgentA1, appointment.ReportQuery{}); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("agent reads report: %v", err)
		}
	})
}

// TestAppointmentFromTask: booking from a care task closes it as done with
// outcome "booked APT-…" in the same transaction.
func TestAppointmentFromTask(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		st := seedStaff(t, s)
		f := newAptFixture(t, s, st.Admin, 2)
		c := mkCustomer(t, s, st.AgentA1, "周九", "13800138041", "")
		tk := &task.Task{Kind: task.KindManual, Title: "保养到期", CustomerID: c.ID, DueOn: "2030-01-02"}
		if err := s.CreateTask(ctx, st.AgentA1, tk); err != nil {
			t.Fatal(err)
		}
		// A task of another customer cannot be closed this way.
		other := mkCustomer(t, s, st.AgentA1, "吴十", "13800138042", "")
		err := f.svc.Book(ctx, st.AgentA1, &appointment.Appointment{CustomerID: other.ID, KindID: f.kind.ID, ResourceID: f.res.ID, StartsAt: f.at(7, 10)}, tk.ID)
		if guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("task of another customer: %v", err)
		}
		ap := appointment.Appointment{CustomerID: c.ID, KindID: f.kind.ID, ResourceID: f.res.ID, StartsAt: f.at(7, 10)}
		if err := f.svc.Book(ctx, st.AgentA1, &ap, tk.ID); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetTask(ctx, st.AgentA1, tk.ID)
		if err != nil || got.Status != task.StatusDone || got.Outcome != "booked "+ap.Number() {
			t.Fatalf("source task: %+v %v", got, err)
		}
		if ap.SourceTaskID == nil || *ap.SourceTaskID != tk.ID {
			t.Fatalf("source link: %+v", ap)
		}
	})
}

// TestAppointmentT31: 400 appointments due, 330 arrived → 82.5% (APT-05);
// cancelled ones are not counted; reminded = a reminder reached sent.
func TestAppointmentT31(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		st := seedStaff(t, s)
		f := newAptFixture(t, s, st.Admin, 1000)
		c := mkCustomer(t, s, st.AgentA1, "郑一", "13800138051", "")
		d := mkCustomer(t, s, st.AgentA2, "王二", "13800138052", "")
		var made []appointment.Appointment
		for i := 0; i < 410; i++ {
			who, cid := st.AgentA1, c.ID
			if i%2 == 1 {
				who, cid = st.AgentA2, d.ID
			}
			made = append(made, f.book(t, who, cid, f.at(10+i%10, 8+i%12)))
		}
		// One reminder of the first appointment was sent.
		q := "UPDATE outbox_messages SET status = 'sent' WHERE ref_id = ? AND template = 'appointment.reminder'"
		if s.Dialect() == sqlstore.Postgres {
			q = "UPDATE outbox_messages SET status = 'sent' WHERE ref_id = $1 AND template = 'appointment.reminder'"
		}
		if _, err := s.DB().ExecContext(ctx, q, made[0].ID); err != nil {
			t.Fatal(err)
		}
		*f.clock = f.at(25, 8)
		for i, ap := range made {
			action := appointment.ActionArrive
			switch {
			case i >= 400:
				action = appointment.ActionCancel
			case i >= 330:
				action = appointment.ActionNoShow
			}
			who := st.AgentA1
			if i%2 == 1 {
				who = st.AgentA2
			}
			if _, err := f.svc.Act(ctx, who, ap.ID, ap.Version, action, appointment.Change{Reason: "改期"}); err != nil {
				t.Fatal(err)
			}
		}
		r, err := f.svc.Report(ctx, st.Admin, appointment.ReportQuery{From: "2030-01-01", To: "2030-12-31", Period: appointment.PeriodYear})
		if err != nil {
			t.Fatal(err)
		}
		tot := r.Total
		if tot.Booked != 410 || tot.Cancelled != 10 || tot.Due() != 400 || tot.Arrived != 330 || tot.NoShow != 70 ||
			appointment.Percent(tot.Rate()) != "82.5" || tot.Rate() < r.Target || r.Target != 0.8 || tot.Reminded != 1 || tot.RemindedArrivals != 1 {
			t.Fatalf("T31 total: %+v rate %v target %v", tot, tot.Rate(), r.Target)
		}
		if len(r.Lines) != 1 || r.Lines[0].Team != "A1组" || r.Lines[0].Period != "2030" {
			t.Fatalf("lines: %+v", r.Lines)
		}
		// Per customer: 165 of 200 for each → 82.5%; threshold 0.8 with ≥ 10.
		rel, err := f.svc.Reliable(ctx, st.Admin, 2030, 10, 0.8)
		if err != nil || len(rel) != 2 || rel[0].Due != 200 || rel[0].Arrived != 165 {
			t.Fatalf("reliable: %+v %v", rel, err)
		}
		if rel, _ := f.svc.Reliable(ctx, st.Admin, 2030, 10, 0.9); len(rel) != 0 {
			t.Fatalf("reliable at 90%%: %+v", rel)
		}
		// The manager of branch A sees the same; agent B's scope is empty.
		if r, _ := f.svc.Report(ctx, st.ManagerA, appointment.ReportQuery{From: "2030-01-01", To: "2030-12-31"}); r.Total.Arrived != 330 {
			t.Fatalf("manager report: %+v", r.Total)
		}
	})
}

// TestAppointmentCapacityRace: several bookings of the last seat at once —
// exactly one succeeds (PostgreSQL with two stores: two servers).
func TestAppointmentCapacityRace(t *testing.T) {
	for _, e := range sqltest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			var s1, s2 *sqlstore.Store
			if e.Name != "postgres" {
				s1 = e.Open(t)
				s2 = s1 // one SQLite file has one writer
			} else {
				dsn := sqltest.PostgresDSN(t)
				var err error
				if s1, err = sqlstore.Open(ctx, dsn, sqlstore.Options{}); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s1.Close() })
				if _, err := s1.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				if s2, err = sqlstore.Open(ctx, dsn, sqlstore.Options{}); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s2.Close() })
			}
			st := seedStaff(t, s1)
			f := newAptFixture(t, s1, st.Admin, 2)
			f2 := f
			f2.svc = &appointment.Service{Store: s2, Loc: f.loc, Now: f.svc.Now}
			c := mkCustomer(t, s1, st.AgentA1, "陈一", "13800138061", "")
			d := mkCustomer(t, s1, st.AgentA1, "林二", "13800138062", "")
			for hour := 8; hour < 18; hour++ {
				f.book(t, st.AgentA1, c.ID, f.at(7, hour)) // one of two seats taken
				// Six bookers (three per server) race for the last seat.
				var wg sync.WaitGroup
				svcs := []*appointment.Service{f.svc, f2.svc, f.svc, f2.svc, f.svc, f2.svc}
				errs := make([]error, len(svcs))
				start := make(chan struct{})
				for i, svc := range svcs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						errs[i] = svc.Book(ctx, st.AgentA1, &appointment.Appointment{CustomerID: d.ID, KindID: f.kind.ID,
							ResourceID: f.res.ID, StartsAt: f.at(7, hour)}, 0)
					}()
				}
				close(start)
				wg.Wait()
				ok := 0
				for _, err := range errs {
					if err == nil {
						ok++
					} else if guanxi.AsError(err).Key != "error.appointment_full" {
						t.Fatalf("hour %d: %v", hour, err)
					}
				}
				if ok != 1 {
					t.Fatalf("hour %d: %d bookings of the last seat succeeded: %v", hour, ok, errs)
				}
				_, slots, _ := f.svc.Availability(ctx, st.AgentA1, f.res.ID, "2030-01-07")
				if slots[hour-8].Taken != 2 {
					t.Fatalf("hour %d taken %d", hour, slots[hour-8].Taken)
				}
			}
		})
	}
}

// TestAppointmentAdminScope: kinds are organisation-wide (admins only);
// a manager keeps the resources of the subtree and no others.
func TestAppointmentAdminScope(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		st := seedStaff(t, s)
		f := newAptFixture(t, s, st.Admin, 1)
		k := f.kind
		k.Reminders = "2880, 60"
		if err := f.svc.SaveKind(ctx, st.ManagerA, &k, k.Version); guanxi.KindOf(err) != guanxi.KindForbidden {
			t.Fatalf("manager edits kind: %v", err)
		}
		if err := f.svc.SaveKind(ctx, st.Admin, &k, k.Version); err != nil || k.Reminders != "2880,60" || k.Version != 2 {
			t.Fatalf("admin edits kind: %+v %v", k, err)
		}
		if err := f.svc.SaveKind(ctx, st.Admin, &appointment.Kind{Code: "maintenance", NameZh: "x", DurationMinutes: 30}, 0); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("duplicate code: %v", err)
		}
		// f.res has no org unit: only admins may change it.
		r := f.res
		r.Capacity = 3
		if err := f.svc.SaveResource(ctx, st.ManagerA, &r, r.Version); guanxi.KindOf(err) != guanxi.KindNotFound {
			t.Fatalf("manager edits head-office resource: %v", err)
		}
		unitA, unitB := guanxi.ID(2), guanxi.ID(3)
		mine := appointment.Resource{Name: "A柜台", Kind: appointment.ResourceDesk, OrgUnitID: &unitA, SlotMinutes: 30, Capacity: 2, Active: true}
		if err := f.svc.SaveResource(ctx, st.ManagerA, &mine, 0); err != nil || mine.Hours != appointment.DefaultHours {
			t.Fatalf("manager adds own resource: %+v %v", mine, err)
		}
		mine.OrgUnitID = &unitB
		if err := f.svc.SaveResource(ctx, st.ManagerA, &mine, mine.Version); guanxi.KindOf(err) != guanxi.KindInvalid {
			t.Fatalf("manager moves resource away: %v", err)
		}
		bad := appointment.Resource{Name: "x", Kind: appointment.ResourceStaff, Hours: "9-18", SlotMinutes: 0, Capacity: 0}
		if err := f.svc.SaveResource(ctx, st.Admin, &bad, 0); guanxi.KindOf(err) != guanxi.KindInvalid || len(guanxi.AsError(err).Fields) != 4 {
			t.Fatalf("invalid resource: %v", err)
		}
	})
}

package wire

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/appointment"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// wireAppointments sets up this module's service on a. There is no
// periodic job: a missed appointment is not marked no-show automatically
// (arrival is a fact staff record); the past, not closed ones are listed
// for staff to close instead (docs/appointments.md).
func wireAppointments(ctx context.Context, a *app.App, s *sqlstore.Store) error {
	svc := &appointment.Service{Store: s, Now: time.Now, Loc: task.ChinaTime()}
	if a.Settings != nil {
		set := a.Settings
		// The success-rate target in percent; the setting falls back to 80.
		svc.Target = func(ctx context.Context) int { return set.Int(ctx, appointment.SettingTarget) }
	}
	a.Appointments = svc
	return nil
}

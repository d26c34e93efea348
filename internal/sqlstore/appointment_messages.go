package sqlstore

import (
	"time"

	"github.com/guanxi-crm/guanxi/internal/appointment"
	"github.com/guanxi-crm/guanxi/internal/outbox"
	"github.com/guanxi-crm/guanxi/internal/task"
)

// aptMessage is an SMS to the appointment's customer; the address is taken
// from the customer when it is sent, and the consent of the service
// purpose applies.
func aptMessage(ap *appointment.Appointment, loc *time.Location, template, idem string) outbox.Message {
	if loc == nil {
		loc = time.UTC
	}
	cid, id := ap.CustomerID, ap.ID
	return outbox.Message{Channel: outbox.ChannelSMS, Purpose: outbox.PurposeService, CustomerID: &cid,
		Template: template, IdemKey: idem, RefKind: "appointment", RefID: &id,
		Vars: map[string]string{
			"customer_name":    ap.CustomerName,
			"appointment_time": ap.StartsAt.In(loc).Format("2006-01-02 15:04"),
			"resource":         ap.ResourceName,
			"org_name":         ap.OrgName,
			"kind":             ap.KindNameZh,
			"number":           ap.Number(),
		}}
}

// taskForAppointment is the task on the appointment day for the assigned
// staff member, or (OwnerID 0) the customer's owner.
func taskForAppointment(b *appointment.Booking) task.Task {
	t := task.Task{Kind: task.KindAppointment, Title: appointment.Number(b.A.ID) + " " + b.TaskTitle,
		CustomerID: b.A.CustomerID, DueOn: b.A.StartsAt.In(b.Loc).Format(time.DateOnly)}
	if b.A.StaffID != nil {
		t.OwnerID = *b.A.StaffID
	}
	return t
}

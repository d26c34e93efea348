package web

import (
	"github.com/guanxi-crm/guanxi/internal/notify"
	"github.com/guanxi-crm/guanxi/internal/ticket"
)

// ticketEnumKeys lists the message keys the complaint pages build from
// values, by prefix (TestTemplateKeysExist checks each has text).
func ticketEnumKeys() map[string][]string {
	steps := stringsOf(ticket.Steps)
	return map[string][]string{
		"enum.ticket_status.":    stringsOf(ticket.Statuses),
		"enum.ticket_channel.":   ticket.Channels,
		"enum.severity.":         stringsOf(ticket.Severities),
		"enum.ticket_step.":      steps,
		"enum.ticket_event.":     ticketEvents,
		"enum.feedback_channel.": ticket.FeedbackChannels,
		"enum.notice_status.":    stringsOf(ticket.NoticeStatuses),
		"enum.target_unit.":      stringsOf(ticket.TargetUnits),
		"ticket.not_allowed.":    steps,
		"notify.":                notify.Kinds,
	}
}

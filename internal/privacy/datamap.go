package privacy

import "strings"

// Erase says what erasure does to a table's rows about the subject.
type Erase string

const (
	// Delete removes the rows (search tokens, tags, contacts, duplicate
	// pairs, import before-images).
	Delete Erase = "delete"
	// Scrub blanks or replaces the listed columns and keeps the row, so
	// counts, amounts, dates and workflow history stay whole while nothing
	// in them points at a person.
	Scrub Erase = "scrub"
	// Keep leaves the rows as they are: they hold ids, codes, amounts and
	// times only, which identify nobody once the customer row is
	// pseudonymous, or they are append-only by law (audit, access log).
	Keep Erase = "keep"
	// Special tables hold the subject's data without a column that finds
	// it (uploaded files, generated exports, cached responses); erasure
	// handles them with code of its own (see Table.Why).
	Special Erase = "special"
)

// Blank values a scrubbed column takes; SetPseudonym puts the pseudonym.
const (
	SetEmpty     = "''"
	SetJSON      = "'{}'"
	SetNull      = "NULL"
	SetPseudonym = "pseudonym"
)

// Col is one scrubbed column and the value it takes.
type Col struct {
	Name string
	To   string // SetEmpty, SetJSON, SetNull or SetPseudonym
}

// Table is one table of the subject data map.
type Table struct {
	Name string
	// Where selects the subject's rows; every ? is the customer id.
	// Empty for Special tables, which no predicate finds.
	Where string
	Erase Erase
	// Cols are the columns Scrub rewrites.
	Cols []Col
	// Only narrows Scrub to some of the rows (e.g. free-text answers).
	Only string
	Why  string
}

// Args repeats id once per ? of the table's predicate.
func (t Table) Args(id int64) []any {
	n := strings.Count(t.Where, "?")
	out := make([]any, n)
	for i := range out {
		out[i] = id
	}
	return out
}

func blank(names ...string) []Col {
	out := make([]Col, len(names))
	for i, n := range names {
		out[i] = Col{Name: n, To: SetEmpty}
	}
	return out
}

const (
	byCustomer = "customer_id = ?"
	byTicket   = "ticket_id IN (SELECT id FROM tickets WHERE customer_id = ?)"
)

// Map is the subject data map: every table that can hold data about a
// customer, in erasure order (rows found through another table come before
// that table's rows are deleted). A test reads the live schema of both
// engines and fails when a table is in neither Map nor NotCustomerData.
var Map = []Table{
	{Name: "customers", Where: "id = ?", Erase: Scrub, Cols: append([]Col{{"name", SetPseudonym}},
		append(blank("name_pinyin", "gender", "birthday", "id_type", "id_number", "id_number_bidx", "id_key_bidx", "mobile", "phone", "email", "wechat",
			"province", "city", "district", "address", "industry", "source", "grade", "notes"),
			Col{"custom", SetJSON}, Col{"consent", SetJSON}, Col{"last_contact_at", SetNull})...),
		Why: "the archive row stays as a pseudonymous record so tickets, transactions and statistics keep their link; it is moved to the trash"},
	{Name: "customer_tags", Where: byCustomer, Erase: Delete, Why: "labels describe the person"},
	{Name: "customer_tokens", Where: byCustomer, Erase: Delete, Why: "search tokens of name, pinyin, phones and numbers"},
	{Name: "contacts", Where: byCustomer, Erase: Delete, Why: "other people's and the customer's contact details"},
	{Name: "holdings", Where: byCustomer, Erase: Scrub, Cols: append(blank("name", "reference", "model"), Col{"attrs", SetJSON}),
		Why: "amounts, dates and status stay for portfolio figures; account numbers and descriptions go"},
	{Name: "renewals", Where: "holding_id IN (SELECT id FROM holdings WHERE customer_id = ?)", Erase: Scrub, Cols: blank("note"),
		Why: "renewal outcomes stay for renewal analysis"},
	{Name: "transactions", Where: byCustomer, Erase: Scrub, Cols: blank("description"), Why: "amounts stay for figures"},
	{Name: "interactions", Where: byCustomer, Erase: Scrub, Cols: blank("summary", "outcome", "next_action"),
		Why: "contact counts stay for follow-up statistics; what was said goes"},
	{Name: "customer_transfers", Where: byCustomer, Erase: Scrub, Cols: blank("reason"), Why: "ownership history stays"},
	{Name: "tasks", Where: byCustomer, Erase: Scrub, Cols: blank("title", "notes", "outcome"), Why: "workload figures stay"},
	{Name: "ticket_events", Where: byTicket, Erase: Scrub, Cols: blank("note"), Why: "the complaint process stays for SLA figures"},
	{Name: "rectification_notices", Where: byTicket, Erase: Scrub, Cols: blank("problem", "requirement", "response", "verify_note"),
		Why: "the rectification record stays, its text goes"},
	{Name: "ticket_public", Where: byTicket, Erase: Scrub, Cols: blank("contact_time", "match_hint"), Why: "public form extras"},
	{Name: "ticket_sla_events", Where: byTicket, Erase: Keep, Why: "times and kinds only"},
	{Name: "ticket_escalations", Where: byTicket, Erase: Keep, Why: "times and levels only"},
	{Name: "notifications", Where: byTicket, Erase: Scrub, Cols: []Col{{"args", SetJSON}}, Why: "staff notices may quote the subject"},
	{Name: "tickets", Where: byCustomer, Erase: Scrub, Cols: blank("subject", "description", "demand", "contact_name",
		"contact_phone", "resolution", "root_cause", "feedback", "opinion", "close_reason"),
		Why: "complaint statistics keep category, channel, times and outcome; the complainant's words and details go"},
	{Name: "work_logs", Where: "id IN (SELECT work_log_id FROM work_log_customers WHERE customer_id = ?)", Erase: Scrub,
		Cols: blank("content", "destination", "person_visited", "contact", "purpose", "result", "review_comment"),
		Why:  "the staff member's log keeps its date, minutes and review state"},
	{Name: "work_log_customers", Where: byCustomer, Erase: Delete, Why: "the link of a log to the subject"},
	{Name: "survey_requests", Where: byCustomer, Erase: Scrub, Cols: []Col{{"token_hash", SetNull}}, Why: "the link can no longer be opened"},
	{Name: "survey_answer_items", Where: "answer_id IN (SELECT id FROM survey_answers WHERE customer_id = ?)", Erase: Scrub,
		Cols: blank("value"), Only: "item_type = 'text'", Why: "scores stay for satisfaction figures; free text goes"},
	{Name: "survey_answers", Where: byCustomer, Erase: Scrub, Cols: blank("comment"), Why: "scores stay"},
	{Name: "customer_duplicates", Where: "a_id = ? OR b_id = ?", Erase: Delete, Why: "candidate pairs name the subject"},
	{Name: "customer_merges", Where: "survivor_id = ? OR merged_id = ?", Erase: Scrub,
		Cols: []Col{{"merged_name", SetPseudonym}, {"snapshot", SetJSON}, {"chosen", SetJSON}},
		Why:  "that a merge happened stays; the merged record's snapshot goes"},
	{Name: "import_changes", Where: byCustomer, Erase: Delete, Why: "before-images of updated customers; the import can no longer undo them"},
	{Name: "import_tokens", Where: byCustomer, Erase: Delete, Why: "staged search tokens"},
	{Name: "outbox_attempts", Where: "message_id IN (SELECT id FROM outbox_messages WHERE customer_id = ?)", Erase: Scrub,
		Cols: blank("error"), Why: "provider errors may quote the recipient"},
	{Name: "outbox_messages", Where: byCustomer, Erase: Scrub, Cols: append(blank("recipient", "subject", "body"), Col{"vars", SetJSON}),
		Why: "pending messages are cancelled; sent ones keep channel, purpose, status and times"},
	{Name: "care_events", Where: byCustomer, Erase: Scrub, Cols: blank("usage_note"), Why: "care counts and churn codes stay"},
	{Name: "appointments", Where: byCustomer, Erase: Scrub, Cols: blank("note", "cancel_reason", "arrive_note"),
		Why: "slot usage and outcomes stay"},
	{Name: "legal_holds", Where: byCustomer, Erase: Scrub, Cols: blank("reason"), Only: "released_at IS NOT NULL",
		Why: "released holds keep who and when (an active hold refuses erasure)"},
	{Name: "consent_state", Where: byCustomer, Erase: Delete,
		Why: "current consent per purpose and channel: an erased customer is contacted on no channel"},
	{Name: "consent_events", Where: byCustomer, Erase: Keep,
		Why: "append-only consent ledger (D4, refused by trigger): ids, purposes, channels, notice versions and times kept as proof of lawful basis"},
	{Name: "customer_access", Where: byCustomer, Erase: Keep,
		Why: "append-only access log of ids and times (PIPL 51 breach query); the id is pseudonymous after erasure"},
	{Name: "audit_log", Where: byCustomer, Erase: Keep,
		Why: "append-only hash chain: rows are never edited; see the audit exception in docs"},
	{Name: "import_files", Erase: Special,
		Why: "uploaded files of finished imports that created or updated the subject are deleted whole"},
	{Name: "import_problems", Erase: Special, Why: "rejected rows of those imports are deleted"},
	{Name: "exports", Erase: Special, Why: "running exports are failed; finished files still held that contain the subject are withdrawn"},
	{Name: "export_chunks", Erase: Special, Why: "the files of those exports are deleted"},
	{Name: "idempotency_keys", Erase: Special, Why: "stored responses quoting the subject are deleted"},
}

// NotCustomerData lists the tables that hold no data about a customer,
// with the reason. Every table of the schema is in Map or here.
var NotCustomerData = map[string]string{
	"settings":                 "configuration",
	"data_keys":                "fingerprints of the encryption keys",
	"seal_pending":             "names of columns awaiting encryption",
	"sequences":                "counters",
	"org_units":                "organisation",
	"users":                    "staff accounts",
	"password_history":         "staff credentials",
	"login_attempts":           "staff sign-ins",
	"sessions":                 "staff sessions (hold user ids and flash keys, no customer values)",
	"api_tokens":               "staff tokens",
	"custom_field_defs":        "field definitions",
	"audit_head":               "chain head",
	"audit_anchor":             "chain anchor",
	"ticket_categories":        "reference data",
	"sla_policies":             "configuration",
	"calendar_notices":         "business calendar",
	"org_working_hours":        "configuration",
	"public_form_keys":         "secrets",
	"follow_up_plans":          "rules",
	"survey_templates":         "questionnaires",
	"survey_template_versions": "questionnaires",
	"imports":                  "import jobs (counts, file names, options)",
	"import_templates":         "column mappings",
	"saved_filters":            "staff list filters",
	"jobs":                     "job queue (payloads carry ids only)",
	"job_schedules":            "schedules",
	"outbox_templates":         "message templates",
	"outbox_config":            "channel settings",
	"outbox_rate":              "send counters",
	"outbox_secrets":           "secrets",
	"care_rules":               "rules",
	"care_churn_reasons":       "reference data",
	"appointment_kinds":        "reference data",
	"appointment_resources":    "bays, desks and staff",
	"renewal_reasons":          "reference data",
	"user_mfa":                 "staff second factors",
	"mfa_recovery_codes":       "staff second factors",
	"erasures":                 "pseudonymous erasure records (no customer id)",
	"goose_db_version":         "migrations",
	"retention_rules":          "retention settings",
	"retention_runs":           "retention job runs (counts only)",
}

// Lookup returns the map entry of a table.
func Lookup(name string) (Table, bool) {
	for _, t := range Map {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}

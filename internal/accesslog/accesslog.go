// Package accesslog records which customers each user read, listed,
// searched or exported, and answers the breach query over that record
// (PIPL 51/57, TESTPLAN D3/D8). It does no I/O itself: rows are buffered in
// memory and handed to a Store in batches.
//
// Why a buffer: a customer read is the hottest path (≈10k req/s on SQLite
// with one writer); a write transaction per read would cap it at the disk's
// commit rate. Rows are flushed every Interval or every Batch rows in one
// transaction. The trade-off: a crash (SIGKILL, power loss) loses at most
// the rows of the last flush interval (500 ms by default), while a clean
// shutdown flushes everything (Close). Reads are fail-closed otherwise:
// when the buffer is full or flushes keep failing, Record refuses with
// Unavailable (503) and the handler returns before any data leaves.
package accesslog

import (
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Via says how a customer was accessed.
type Via string

// Ways of access. Reveal and DSARExport are not written to the access log:
// they are audit rows already (written synchronously, in the hash chain)
// and the breach query reads them from there.
const (
	APIGet     Via = "api_get"
	WebView    Via = "web_view"
	List       Via = "list"
	Search     Via = "search"
	Export     Via = "export"
	Reveal     Via = "reveal"
	DSARExport Via = "dsar_export"
)

// Vias lists every way, in the order of the breach report's columns.
var Vias = []Via{APIGet, WebView, List, Search, Export, Reveal, DSARExport}

// Access is one customer accessed by one user.
type Access struct {
	UserID     guanxi.ID `db:"user_id"`
	CustomerID guanxi.ID `db:"customer_id"`
	At         time.Time `db:"at"`
	Via        Via       `db:"via"`
}

// ListVia is List, or Search when the page answered a search box or filter.
func ListVia(searched bool) Via {
	if searched {
		return Search
	}
	return List
}

// MinRetentionDays is the legal minimum for the audit and access logs
// (Cybersecurity Law Art. 21: ≥ 6 months; MLPS 2.0 level 3 the same). The
// database triggers enforce it too.
const MinRetentionDays = 180

// MinRetention returns the minimum retention in days under the security
// profile ("asvs" or "mlps3"); both are 180 today, kept apart so a
// stricter profile can raise its own.
func MinRetention(profile string) int {
	if profile == "mlps3" {
		return MinRetentionDays
	}
	return MinRetentionDays
}

// errUnavailable is the fail-closed refusal.
func errUnavailable(cause error) error {
	return &guanxi.Error{Kind: guanxi.KindUnavailable, Key: "accesslog.unavailable", Err: cause}
}

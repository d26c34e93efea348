package bulk

import (
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Status is where an import is in its life.
type Status string

const (
	StatusUploaded  Status = "uploaded"  // file stored, waiting for mapping and options
	StatusQueued    Status = "queued"    // started; a runner will claim it
	StatusRunning   Status = "running"   // a runner holds its lease and writes batches
	StatusDone      Status = "done"      // every row written, skipped or reported
	StatusFailed    Status = "failed"    // aborted (bad rows in abort mode, or an error): nothing of it is written
	StatusCancelled Status = "cancelled" // stopped by a user before it finished; committed batches were rolled back
	StatusUndone    Status = "undone"    // reversed by an admin
)

// Import is one import job.
type Import struct {
	ID         guanxi.ID  `json:"id"`
	Entity     Entity     `json:"entity"`
	FileName   string     `json:"file_name"`
	FileSize   int64      `json:"file_size"`
	Info       FileInfo   `json:"info"`
	Options    Options    `json:"options"`
	Status     Status     `json:"status"`
	RowsTotal  int64      `json:"rows_total"`          // data rows in the file (known after validation)
	RowsDone   int64      `json:"rows_done"`           // rows handled so far (written, skipped or bad)
	Created    int64      `json:"created"`             // customers (or children) created
	Updated    int64      `json:"updated"`             // customers updated
	Skipped    int64      `json:"skipped"`             // duplicates skipped
	Bad        int64      `json:"bad"`                 // rows with problems
	Review     int64      `json:"review"`              // duplicates queued for merge review
	ErrorKey   string     `json:"error_key,omitempty"` // why it failed (message key)
	CreatedBy  guanxi.ID  `json:"created_by"`
	ByName     string     `json:"by_name"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	UndoneAt   *time.Time `json:"undone_at,omitempty"`
	Version    int64      `json:"version"`
}

// Rate is rows per second since the import started (0 before).
func (im Import) Rate(now time.Time) float64 {
	if im.StartedAt == nil || im.RowsDone == 0 {
		return 0
	}
	end := now
	if im.FinishedAt != nil {
		end = *im.FinishedAt
	}
	d := end.Sub(*im.StartedAt).Seconds()
	if d <= 0 {
		return 0
	}
	return float64(im.RowsDone) / d
}

// Remaining estimates the time left from the rate so far (0 when unknown).
func (im Import) Remaining(now time.Time) time.Duration {
	r := im.Rate(now)
	if r == 0 || im.RowsTotal <= im.RowsDone || im.FinishedAt != nil {
		return 0
	}
	return time.Duration(float64(im.RowsTotal-im.RowsDone) / r * float64(time.Second))
}

// Preview is what the mapping page shows before anything is written: the
// file's shape, the proposed or given mapping, the first rows converted and
// their problems.
type Preview struct {
	Import   Import    `json:"import"`
	Header   []string  `json:"header"`
	Mapping  []string  `json:"mapping"`
	Fields   []Field   `json:"fields"`
	Rows     []Row     `json:"rows"`
	Problems []Problem `json:"problems"`
	// MappingErr is why the mapping cannot run yet (nil when it can).
	MappingErr error `json:"-"`
}

// Template is a saved mapping: header text → field key, per entity.
type Template struct {
	ID        guanxi.ID         `json:"id"`
	Name      string            `json:"name"`
	Entity    Entity            `json:"entity"`
	Columns   map[string]string `json:"columns"`
	CreatedBy guanxi.ID         `json:"created_by"`
	CreatedAt time.Time         `json:"created_at"`
	Version   int64             `json:"version"`
}

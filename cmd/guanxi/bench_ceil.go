package main

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The bare Go ceilings of the API measurements: net/http and the same
// SQLite driver, no auth, no scope, no masking, no audit.

// benchStages are the list filter's values (the customers_stage index).
var benchStages = []string{"prospect", "customer", "dormant", "lost"}

const bareListQuery = `SELECT id, number, name, mobile, id_number, stage, owner_id, updated_at
FROM customers WHERE stage = ? AND deleted_at IS NULL AND id < ? ORDER BY id DESC LIMIT 20`

// bareListHandler is C-LIST: one keyset page of 20 customers with a stage
// filter, newest id first (the list's default order), statement prepared.
func bareListHandler(db *sql.DB) (http.Handler, error) {
	st, err := db.Prepare(bareListQuery)
	if err != nil {
		return nil, err
	}
	type row struct {
		ID      int64  `json:"id"`
		Number  string `json:"number"`
		Name    string `json:"name"`
		Mobile  string `json:"mobile"`
		IDNo    string `json:"id_number"`
		Stage   string `json:"stage"`
		Owner   int64  `json:"owner_id"`
		Updated string `json:"updated_at"`
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows, err := st.QueryContext(r.Context(), r.URL.Query().Get("stage"), r.URL.Query().Get("before"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer rows.Close()
		items := make([]row, 0, 20)
		for rows.Next() {
			var x row
			var upd any
			if err := rows.Scan(&x.ID, &x.Number, &x.Name, &x.Mobile, &x.IDNo, &x.Stage, &x.Owner, &upd); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			x.Updated = fmt.Sprint(upd)
			items = append(items, x)
		}
		if err := rows.Err(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"items": items})
	}), nil
}

// listPosition picks a filter value and a keyset position spread over the
// table, the same for the ceiling and the product.
func listPosition(r *rand.Rand, maxID int64) (string, int64) {
	return benchStages[r.IntN(len(benchStages))], 2 + r.Int64N(maxID)
}

// listCursor is the product's keyset cursor for "after id, sort -id"
// (sqlstore/customer_list.go); a change of its format shows as a 400.
func productCursor(before int64) string {
	b, _ := json.Marshal(map[string]any{"s": "-id", "id": before})
	return base64.RawURLEncoding.EncodeToString(b)
}

func stageFilter(stage string) string {
	return `{"field":"stage","op":"eq","value":"` + stage + `"}`
}

// benchMobilePrefix and benchIDArea are a mobile block and an ID area code
// the demo generator never uses (internal/demo catalog.go, regions.go), so
// a created customer never duplicates a demo one (409).
const (
	benchMobilePrefix = "192"
	benchIDArea       = "110109"
)

// createBody is one new customer with a mobile and an ID number no other
// request uses, so no create conflicts.
func createBody(seq int64) []byte {
	b, _ := json.Marshal(map[string]any{
		"kind": "person", "name": "压测" + string(rune('甲'+seq%10)) + strconv.FormatInt(seq%1000, 10),
		"mobile": fmt.Sprintf(benchMobilePrefix+"%08d", seq%100_000_000), "id_type": "resident_id", "id_number": benchIDNumber(seq), "stage": "prospect",
	})
	return b
}

// resumeBenchSeq moves the request sequence past the creates of an earlier
// bench on the same database (--db), whose mobiles carry their seq.
func resumeBenchSeq(ctx context.Context, db *sql.DB) error {
	var last sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT MAX(mobile) FROM customers WHERE mobile LIKE '"+benchMobilePrefix+"%'").Scan(&last); err != nil {
		return err
	}
	if n, err := strconv.ParseInt(strings.TrimPrefix(last.String, benchMobilePrefix), 10, 64); err == nil && n >= benchSeq.Load() {
		benchSeq.Store(n)
	}
	return nil
}

// benchIDNumber is a valid 18-digit resident ID (GB 11643 check digit),
// unique per seq below 3,650,000: birthdays from 1950 on, sequence 000-999.
func benchIDNumber(seq int64) string {
	day := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(seq/1000))
	s := benchIDArea + day.Format("20060102") + fmt.Sprintf("%03d", seq%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	return s + string("10X98765432"[sum%11])
}

// groupCommit is C-CREATE: handlers hand their row to one writer goroutine,
// which inserts every row waiting into one transaction and answers each
// request after the commit (synchronous=FULL, WAL, as production). The
// table has no secondary index, like C-LOAD's.
type groupCommit struct {
	db   *sql.DB
	jobs chan createJob
}

type createJob struct {
	name, mobile, idNumber string
	done                   chan error
}

func newGroupCommit(ctx context.Context, path string) (*groupCommit, error) {
	db, err := sql.Open("sqlite", sqliteProductionDSN(path, "FULL"))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS bench_customers (id INTEGER PRIMARY KEY,
		name TEXT NOT NULL, mobile TEXT NOT NULL, id_number TEXT NOT NULL, created_at TEXT NOT NULL)`); err != nil {
		db.Close()
		return nil, err
	}
	g := &groupCommit{db: db, jobs: make(chan createJob, 1024)}
	go g.write(ctx)
	return g, nil
}

func (g *groupCommit) write(ctx context.Context) {
	for {
		var batch []createJob
		select {
		case j := <-g.jobs:
			batch = append(batch, j)
		case <-ctx.Done():
			return
		}
	more:
		for len(batch) < 512 {
			select {
			case j := <-g.jobs:
				batch = append(batch, j)
			default:
				break more
			}
		}
		err := g.commit(ctx, batch)
		for _, j := range batch {
			j.done <- err
		}
	}
}

func (g *groupCommit) commit(ctx context.Context, batch []createJob) error {
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, "INSERT INTO bench_customers (name, mobile, id_number, created_at) VALUES (?, ?, ?, ?)")
	if err != nil {
		return err
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for _, j := range batch {
		if _, err := st.ExecContext(ctx, j.name, j.mobile, j.idNumber, now); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (g *groupCommit) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name     string `json:"name"`
		Mobile   string `json:"mobile"`
		IDNumber string `json:"id_number"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Name == "" {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	j := createJob{name: in.Name, mobile: in.Mobile, idNumber: in.IDNumber, done: make(chan error, 1)}
	g.jobs <- j
	if err := <-j.done; err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Write([]byte(`{"ok":true}`))
}

func postReq(base, path string, hdr map[string]string) reqFunc {
	return func(_ *rand.Rand, seq int64) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(string(createBody(seq))))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		return req, nil
	}
}

// The dashboards the bench measures, with the raw GROUP BYs behind them
// (C-GROUP): the same aggregates over the same tables and period, without
// scope, labels or the Go assembly of the report.
//
//   - follow-up report (GET /api/v1/reports/followup, its default: the last
//     8 weeks): tasks due/done/open per owner and day, interactions per
//     staff, day, channel and purpose, over about the same 8 weeks;
//   - complaint analytics (GET /api/v1/complaint-analytics, its default last
//     12 months): totals, tickets per category and per day, root causes,
//     response-time distribution.
var groupQueries = map[string][]string{
	"followup": {
		`SELECT t.owner_id, t.due_on, COUNT(*), SUM(CASE WHEN t.status = 'done' THEN 1 ELSE 0 END),
			SUM(CASE WHEN t.status = 'open' THEN 1 ELSE 0 END)
		 FROM tasks t JOIN customers c ON c.id = t.customer_id
		 WHERE c.deleted_at IS NULL AND t.due_on >= date('now', '+8 hours', '-56 days') AND t.due_on <= date('now', '+8 hours', '+7 days')
		 GROUP BY t.owner_id, t.due_on`,
		`SELECT i.staff_id, date(i.occurred_at, '+8 hours'), i.channel, i.purpose, COUNT(*)
		 FROM interactions i JOIN customers c ON c.id = i.customer_id
		 WHERE c.deleted_at IS NULL AND i.occurred_at >= datetime('now', '-56 days')
		 GROUP BY i.staff_id, date(i.occurred_at, '+8 hours'), i.channel, i.purpose`,
	},
	"complaints": {
		`SELECT COUNT(*), SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), SUM(CASE WHEN reopen_count > 0 THEN 1 ELSE 0 END)
		 FROM tickets WHERE merged_into_id IS NULL AND received_at >= datetime('now', '-1 year')`,
		`SELECT category_id, COUNT(*) FROM tickets WHERE merged_into_id IS NULL AND received_at >= datetime('now', '-1 year')
		 GROUP BY category_id`,
		`SELECT org_unit_id, COUNT(*) FROM tickets WHERE merged_into_id IS NULL AND received_at >= datetime('now', '-1 year')
		 GROUP BY org_unit_id`,
		`SELECT strftime('%Y-%m', received_at, '+8 hours'), COUNT(*) FROM tickets
		 WHERE merged_into_id IS NULL AND received_at >= datetime('now', '-1 year') GROUP BY 1`,
		`SELECT TRIM(root_cause), COUNT(*) AS n FROM tickets WHERE merged_into_id IS NULL
		 AND received_at >= datetime('now', '-1 year') AND TRIM(root_cause) <> '' GROUP BY TRIM(root_cause) ORDER BY n DESC LIMIT 15`,
		`SELECT first_response_minutes, COUNT(*) FROM tickets WHERE merged_into_id IS NULL
		 AND received_at >= datetime('now', '-1 year') AND first_response_minutes IS NOT NULL GROUP BY first_response_minutes`,
		`SELECT COUNT(*) FROM customers WHERE stage = 'customer' AND deleted_at IS NULL`,
	},
}

// productDashboards are the product's paths for groupQueries' keys.
var productDashboards = map[string]string{
	"followup":   "/api/v1/reports/followup",
	"complaints": "/api/v1/complaint-analytics",
}

// bareGroupHandler is C-GROUP: GET /g/{name} runs that dashboard's raw
// GROUP BYs and returns every row as JSON.
func bareGroupHandler(db *sql.DB) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /g/{name}", func(w http.ResponseWriter, r *http.Request) {
		qs, ok := groupQueries[r.PathValue("name")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		out := make([][][]any, 0, len(qs))
		for _, q := range qs {
			rows, err := db.QueryContext(r.Context(), q)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			cols, _ := rows.Columns()
			var res [][]any
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				res = append(res, vals)
			}
			rows.Close()
			out = append(out, res)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	})
	return mux
}

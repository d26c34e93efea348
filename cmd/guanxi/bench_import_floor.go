package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/guanxi-crm/guanxi/internal/search"
)

// The schema floors answer "what does writing the product's rows cost with
// nothing else in the way": a bare Go loop, like C-LOAD, that inserts the
// same file's rows into a fresh migrated Guanxi database — customers with
// every production index, their tags and their holding — without parsing
// beyond encoding/csv, without validation, de-duplication, before-images,
// progress or audit. C-SCHEMA writes no search tokens; C-SCHEMA+TOKENS also
// writes each customer's search tokens (search.CustomerTokens) into
// customer_tokens, sorted per transaction as the import does. No import can
// be faster than the floor of the index set it must maintain, so the ratio
// C-SCHEMA ÷ C-LOAD bounds what "import ≥ x × C-LOAD" can ask.

// floorBatch is the rows per transaction, the import's batch size.
const floorBatch = 2000

// Labels of the generated file mapped to the codes the CHECK constraints
// accept (the product's normaliser does this with synonyms and folding).
var (
	floorKind   = map[string]string{"个人": "person", "企业": "org"}
	floorGender = map[string]string{"男": "male", "女": "female"}
	floorIDType = map[string]string{"居民身份证": "resident_id", "统一社会信用代码": "uscc"}
	floorMarket = map[string]string{"三农": "agri", "公司": "corporate", "个人": "personal"}
	floorStage  = map[string]string{"潜在": "prospect", "成交": "customer", "休眠": "dormant", "流失": "lost"}
)

var floorCustomerCols = []string{"id", "number", "kind", "name", "gender", "birthday", "id_type", "id_number",
	"mobile", "phone", "email", "wechat", "province", "city", "district", "address", "market", "industry",
	"source", "stage", "grade", "notes", "owner_id", "created_by", "created_at", "updated_at"}

var floorHoldingCols = []string{"customer_id", "kind", "reference", "model", "balance_minor", "opened_on",
	"created_at", "updated_at"}

// floorInsert writes rows into table in multi-row INSERTs of at most
// 30,000 parameters.
func floorInsert(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any) error {
	per := max(1, 30000/len(cols))
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	args := make([]any, 0, per*len(cols))
	for len(rows) > 0 {
		k := min(per, len(rows))
		args = args[:0]
		for _, r := range rows[:k] {
			args = append(args, r...)
		}
		q := "INSERT INTO " + table + " (" + strings.Join(cols, ",") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(tuple+",", k), ",")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		rows = rows[k:]
	}
	return nil
}

// floorBatchRows is one transaction's rows of each table.
type floorBatchRows struct {
	custs, tags, holds, toks [][]any
}

// floorReader turns the generated file's rows into table rows, ids from 1.
type floorReader struct {
	r      *csv.Reader
	n      int64
	now    time.Time
	tokens bool
}

func newFloorReader(f io.Reader, tokens bool) (*floorReader, error) {
	r := csv.NewReader(f)
	r.FieldsPerRecord = len(importHeader)
	if _, err := r.Read(); err != nil {
		return nil, err
	}
	return &floorReader{r: r, now: time.Now().UTC(), tokens: tokens}, nil
}

// next reads up to floorBatch rows; an empty batch means the end.
func (fr *floorReader) next() (floorBatchRows, error) {
	type tok struct {
		t  string
		id int64
	}
	var b floorBatchRows
	var toks []tok
	for len(b.custs) < floorBatch {
		rec, err := fr.r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return b, err
		}
		fr.n++
		id, now := fr.n, fr.now
		number := fmt.Sprintf("KH%08d", id)
		mobile := strings.ReplaceAll(rec[6], " ", "")
		b.custs = append(b.custs, []any{id, number, floorKind[rec[1]], rec[0], floorGender[rec[2]], rec[3],
			floorIDType[rec[4]], rec[5], mobile, rec[7], rec[8], rec[9], rec[10], rec[11], rec[12], rec[13],
			floorMarket[rec[14]], rec[15], rec[16], floorStage[rec[17]], rec[18], rec[20], int64(1), int64(1), now, now})
		if rec[19] != "" {
			for _, t := range strings.Split(rec[19], ",") {
				b.tags = append(b.tags, []any{t, id})
			}
		}
		if rec[21] != "" || rec[22] != "" {
			b.holds = append(b.holds, []any{id, "vehicle", rec[22], rec[21], int64(0), rec[23], now, now})
		}
		if fr.tokens {
			for _, t := range search.CustomerTokens(rec[0], number, rec[5], mobile, rec[7]) {
				toks = append(toks, tok{t, id})
			}
		}
	}
	slices.SortFunc(toks, func(a, b tok) int {
		if c := strings.Compare(a.t, b.t); c != 0 {
			return c
		}
		return int(a.id - b.id)
	})
	b.toks = make([][]any, len(toks))
	for i, t := range toks {
		b.toks[i] = []any{t.t, t.id}
	}
	return b, nil
}

// tables lists the batch's rows per table, in foreign-key order.
func (b floorBatchRows) tables() []floorTable {
	return []floorTable{{"customers", floorCustomerCols, b.custs}, {"customer_tags", []string{"tag", "customer_id"}, b.tags},
		{"holdings", floorHoldingCols, b.holds}, {"customer_tokens", []string{"token", "customer_id"}, b.toks}}
}

type floorTable struct {
	name string
	cols []string
	rows [][]any
}

// cSchema is the schema floor on SQLite: dbPath must be a fresh migrated
// database with one administrator (user 1). It returns the customers written.
func cSchema(ctx context.Context, dbPath, csvPath, sync string, tokens bool) (int64, error) {
	db, err := sql.Open("sqlite", sqliteProductionDSN(dbPath, sync))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	f, err := os.Open(csvPath)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fr, err := newFloorReader(f, tokens)
	if err != nil {
		return 0, err
	}
	for {
		b, err := fr.next()
		if err != nil {
			return 0, err
		}
		if len(b.custs) == 0 {
			break
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		for _, t := range b.tables() {
			if err := floorInsert(ctx, tx, t.name, t.cols, t.rows); err != nil {
				tx.Rollback()
				return 0, err
			}
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	var count int64
	err = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM customers").Scan(&count)
	return count, err
}

// cSchemaPG is the schema floor on PostgreSQL: the same rows COPYed
// (pgx CopyFrom) into a fresh migrated schema, one transaction per batch.
func (p *pgBench) cSchemaPG(ctx context.Context, csvPath string, tokens bool) (measure, error) {
	schema, dsn, err := p.schema(ctx, "floor")
	if err != nil {
		return measure{}, err
	}
	defer p.drop(ctx, schema)
	pdb, err := openProductDB(ctx, dsn, false)
	if err != nil {
		return measure{}, err
	}
	pdb.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return measure{}, err
	}
	defer conn.Close(ctx)
	f, err := os.Open(csvPath)
	if err != nil {
		return measure{}, err
	}
	defer f.Close()
	cpu0 := pgServerCPU(ctx, conn)
	m, err := inProcess(func() (int64, error) {
		fr, err := newFloorReader(f, tokens)
		if err != nil {
			return 0, err
		}
		for {
			b, err := fr.next()
			if err != nil {
				return 0, err
			}
			if len(b.custs) == 0 {
				break
			}
			tx, err := conn.Begin(ctx)
			if err != nil {
				return 0, err
			}
			for _, t := range b.tables() {
				if len(t.rows) == 0 {
					continue
				}
				if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
					tx.Rollback(ctx)
					return 0, fmt.Errorf("copy %s: %w", t.name, err)
				}
			}
			if err := tx.Commit(ctx); err != nil {
				return 0, err
			}
		}
		var count int64
		err = conn.QueryRow(ctx, "SELECT COUNT(*) FROM customers").Scan(&count)
		return count, err
	})
	if cpu1 := pgServerCPU(ctx, conn); err == nil && cpu0 >= 0 && cpu1 >= 0 {
		m.server = cpu1 - cpu0
	}
	return m, err
}

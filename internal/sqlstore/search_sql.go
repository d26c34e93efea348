package sqlstore

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/search"
)

// searchSQL compiles the search box text to a predicate over customers
// (alias) with ? placeholders, for the list query
//
//	SELECT … FROM customers c WHERE c.deleted_at IS NULL AND <scope>
//	  AND <search> AND <filter> AND <cursor> ORDER BY c.id DESC LIMIT 21
//
// Each token group of search.ParseQuery becomes one
// `c.id IN (SELECT customer_id FROM customer_tokens WHERE …)` served by the
// (token, customer_id) primary key: `token = ?` or the byte range
// `token >= ? AND token < ?` (the PostgreSQL column is COLLATE "C"). Han
// words of three or more characters are confirmed with name LIKE, since
// their bigrams alone do not prove adjacency. Empty input matches all.
//
// IN or EXISTS (docs/search-index.md has the numbers): SQLite always
// materialises an IN list and then seeks customers by rowid in id order,
// which costs about 0.4 ms per 1,000 matching tokens: fine for everything
// but a one-character query on a very common surname (张 ≈ 10% of rows: 40
// ms at 1M). EXISTS makes SQLite walk customers by id and probe the token
// key per row: 0.5 ms for 张, but a near full scan for rare tokens. So on
// SQLite a unigram of a very common surname uses EXISTS and everything else
// IN. PostgreSQL plans both forms as the same semi-join (a merge join
// streaming the token key for `token = ?`), so it always gets IN.
func (s *Store) searchSQL(q, alias string) (string, []any, error) {
	return s.searchPred(q, alias, func(g search.Group) bool {
		return s.dialect == SQLite && len(g) == 1 && !g[0].Prefix && commonUnigrams[g[0].Token]
	})
}

// commonUnigrams are the name tokens of the surnames with roughly 1% or more
// of the population: with EXISTS, 20 hits need about 2,000 key probes.
var commonUnigrams = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐" {
		m[search.KindName+string(r)] = true
	}
	return m
}()

// searchPred builds the predicate; exists chooses, per token group, a
// correlated EXISTS instead of IN.
func (s *Store) searchPred(q, alias string, exists func(search.Group) bool) (string, []any, error) {
	if !aliasRe.MatchString(alias) {
		return "", nil, guanxi.Internal(fmt.Errorf("searchSQL: bad alias %q", alias))
	}
	groups := search.ParseQuery(q)
	if len(groups) == 0 {
		return "1=1", nil, nil
	}
	var preds []string
	var args []any
	for _, g := range groups {
		var ors []string
		for _, t := range g {
			if !t.Prefix {
				ors = append(ors, "token = ?")
				// An ID number is looked up by its blind index.
				args = append(args, s.blindTokens([]string{t.Token})[0])
				continue
			}
			end := search.PrefixEnd(t.Token)
			if end == "" {
				ors = append(ors, "token >= ?")
				args = append(args, t.Token)
				continue
			}
			ors = append(ors, "(token >= ? AND token < ?)")
			args = append(args, t.Token, end)
		}
		if exists(g) {
			preds = append(preds, "EXISTS (SELECT 1 FROM customer_tokens WHERE customer_id = "+alias+".id AND ("+strings.Join(ors, " OR ")+"))")
		} else {
			preds = append(preds, alias+".id IN (SELECT customer_id FROM customer_tokens WHERE "+strings.Join(ors, " OR ")+")")
		}
	}
	for _, sub := range search.NameSubstrings(q) {
		preds = append(preds, alias+".name LIKE ? ESCAPE '\\'")
		args = append(args, "%"+escapeLike(sub)+"%")
	}
	return strings.Join(preds, " AND "), args, nil
}

// escapeLike escapes the LIKE wildcards for ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// searchSQLFor is searchSQL for a live list: on SQLite it also probes how
// many tokens a prefix group matches and walks customers with EXISTS when
// the group is dense. Measured at 1M customers: `ww` (240k tokens) 130 ms
// with IN, 8 ms with EXISTS; `wjm` (500 tokens) 8 ms with IN, 620 ms with
// EXISTS. IN costs ≈0.4 µs per matching token, EXISTS ≈15 µs per customer
// walked until 21 hits, so EXISTS wins from about sqrt(800 × customers)
// tokens (≈28k at 1M).
func (s *Store) searchSQLFor(ctx context.Context, q, alias string) (string, []any, error) {
	if s.dialect != SQLite {
		return s.searchSQL(q, alias)
	}
	var maxID int64
	probed := false
	return s.searchPred(q, alias, func(g search.Group) bool {
		if len(g) == 1 && !g[0].Prefix && commonUnigrams[g[0].Token] {
			return true
		}
		if !probed {
			probed = true
			if st, err := s.readStmt(ctx, "SELECT COALESCE(MAX(id), 0) FROM customers"); err == nil {
				_ = st.GetContext(ctx, &maxID)
			}
		}
		return s.denseGroup(ctx, g, int(math.Sqrt(800*float64(maxID))))
	})
}

// denseGroup reports whether the prefix terms of g match at least limit
// tokens, counting no further than that.
func (s *Store) denseGroup(ctx context.Context, g search.Group, limit int) bool {
	if limit < 1000 {
		return false
	}
	n := 0
	for _, t := range g {
		if !t.Prefix {
			continue
		}
		end := search.PrefixEnd(t.Token)
		if end == "" {
			continue
		}
		capN, ok := countCap(limit - n)
		if !ok {
			return false
		}
		// The cap is a literal, not a parameter: SQLite re-prepares a
		// statement with a bound LIMIT on every run (see ListCustomers).
		// Counting up to capN ≥ limit-n rows decides the same.
		var c int
		st, err := s.readStmt(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM customer_tokens WHERE token >= ? AND token < ? LIMIT "+strconv.Itoa(capN)+")")
		if err != nil {
			return false
		}
		if err := st.GetContext(ctx, &c, t.Token, end); err != nil {
			return false
		}
		if n += c; n >= limit {
			return true
		}
	}
	return false
}

// maxCountCap bounds the density probe's LIMIT: sqrt(800 × customers)
// stays below it up to 1.3 billion customers.
const maxCountCap = 1 << 20

// countCap rounds n up to 64 or to 4 significant bits (at most 1/8 more),
// so that the probe has at most 8 texts per doubling (about a hundred in
// all), each prepared once; ok is false outside 1..maxCountCap.
func countCap(n int) (int, bool) {
	if n < 1 || n > maxCountCap {
		return 0, false
	}
	if n <= 64 {
		return 64, true
	}
	step := 1 << (bits.Len(uint(n)) - 4)
	return (n + step - 1) / step * step, true
}

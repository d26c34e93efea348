package sqlstore

import (
	"fmt"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/search"
)

// searchSQL compiles the search box text to a predicate over customers
// (alias) with ? placeholders, for the list query
//
//	SELECT … FROM customers c WHERE c.deleted_at IS NULL AND <scope>
//	  AND <search> AND <filter> AND <cursor> ORDER BY c.id DESC LIMIT ?
//
// Each token group of search.ParseQuery becomes one
// `c.id IN (SELECT customer_id FROM customer_tokens WHERE …)` served by the
// (token, customer_id) primary key: `token = ?` or the byte range
// `token >= ? AND token < ?` (the PostgreSQL column is COLLATE "C"). Han
// words of three or more characters are confirmed with name LIKE, since
// their bigrams alone do not prove adjacency. Empty input matches all.
//
// Why IN and not EXISTS (docs/search-index.md has the numbers): EXISTS makes
// SQLite walk customers by id and probe the tokens per row, which is fast
// for common tokens but scans the whole table for rare ones; IN lets SQLite
// build the (usually small) id set from the token index first and then seek
// customers by rowid in id order, and PostgreSQL plans both forms as the
// same semi-join anyway.
func (s *Store) searchSQL(q, alias string) (string, []any, error) {
	return searchPred(q, alias, false)
}

// searchPred builds the predicate as IN (the chosen form) or as correlated
// EXISTS (kept for the benchmark that justifies the choice).
func searchPred(q, alias string, exists bool) (string, []any, error) {
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
				args = append(args, t.Token)
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
		if exists {
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

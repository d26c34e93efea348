package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/sqlstore"
)

// privacySeed writes one customer with a unique marker ("MKR…") in every
// personal column of every table of the data map, plus an unrelated
// customer whose rows must survive an erasure untouched.
type privacySeed struct {
	t       testing.TB
	s       *sqlstore.Store
	markers []string
	ID      guanxi.ID // the subject
	Other   guanxi.ID // an unrelated customer
	Number  string
}

func (p *privacySeed) m(name string) string {
	v := "MKR" + name
	p.markers = append(p.markers, v)
	return v
}

func (p *privacySeed) exec(q string, args ...any) sql.Result {
	p.t.Helper()
	if p.s.Dialect() == sqlstore.Postgres {
		q = sqlx.Rebind(sqlx.DOLLAR, q)
	}
	res, err := p.s.DB().ExecContext(context.Background(), q, args...)
	if err != nil {
		p.t.Fatalf("%s: %v", q, err)
	}
	return res
}

func (p *privacySeed) insert(table string, cols map[string]any, withID bool) guanxi.ID {
	p.t.Helper()
	keys := make([]string, 0, len(cols))
	for k := range cols {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = cols[k]
	}
	q := "INSERT INTO " + table + " (" + strings.Join(keys, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(keys)), ", ") + ")"
	if !withID {
		p.exec(q, args...)
		return 0
	}
	q += " RETURNING id"
	if p.s.Dialect() == sqlstore.Postgres {
		q = sqlx.Rebind(sqlx.DOLLAR, q)
	}
	var id guanxi.ID
	if err := p.s.DB().QueryRowContext(context.Background(), q, args...).Scan(&id); err != nil {
		p.t.Fatalf("%s: %v", q, err)
	}
	return id
}

func seedPrivacy(t testing.TB, s *sqlstore.Store, st staffFixture) *privacySeed {
	t.Helper()
	p := &privacySeed{t: t, s: s}
	now := time.Now().UTC().Truncate(time.Second)
	later := now.Add(72 * time.Hour)
	ts := map[string]any{"created_at": now, "updated_at": now}
	with := func(m map[string]any, extra map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range extra {
			out[k] = v
		}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	p.Number = "C-PRIV-1"
	p.ID = p.insert("customers", with(map[string]any{"number": p.Number, "kind": "person", "name": p.m("name"),
		"name_pinyin": p.m("pinyin"), "gender": "male", "birthday": p.m("bday"), "id_type": "resident_id",
		"id_number": p.m("idnum"), "mobile": p.m("mobile"), "phone": p.m("phone"), "email": p.m("email@x.cn"),
		"wechat": p.m("wechat"), "province": p.m("prov"), "city": p.m("city"), "district": p.m("district"),
		"address": p.m("addr"), "industry": p.m("industry"), "source": p.m("source"), "grade": p.m("grade"),
		"custom": `{"k":"` + p.m("custom") + `"}`, "consent": `{"` + p.m("consent") + `":true}`, "notes": p.m("notes"),
		"owner_id": st.AgentA1.UserID, "last_contact_at": now}, ts), true)
	p.Other = p.insert("customers", with(map[string]any{"number": "C-PRIV-2", "kind": "person", "name": "OTHER客户",
		"mobile": "13900000002", "owner_id": st.AgentA1.UserID}, ts), true)
	id := p.ID
	p.insert("customer_tags", map[string]any{"tag": p.m("tag"), "customer_id": id}, false)
	p.insert("customer_tokens", map[string]any{"token": "n:" + p.m("tok"), "customer_id": id}, false)
	p.insert("contacts", with(map[string]any{"customer_id": id, "name": p.m("ctname"), "title": p.m("cttitle"),
		"mobile": p.m("ctmobile"), "phone": p.m("ctphone"), "email": p.m("ctemail"), "wechat": p.m("ctwechat"),
		"notes": p.m("ctnotes")}, ts), true)
	hid := p.insert("holdings", with(map[string]any{"customer_id": id, "kind": "loan", "name": p.m("hname"),
		"reference": p.m("href"), "model": p.m("hmodel"), "attrs": `{"a":"` + p.m("hattrs") + `"}`, "due_on": "2027-01-01"}, ts), true)
	p.insert("renewals", with(map[string]any{"holding_id": hid, "due_on": "2026-01-01", "outcome": "renewed",
		"note": p.m("rnote")}, ts), true)
	p.insert("transactions", map[string]any{"customer_id": id, "holding_id": hid, "kind": "purchase", "amount_minor": 100,
		"occurred_at": now, "description": p.m("txdesc"), "created_at": now}, true)
	iid := p.insert("interactions", map[string]any{"customer_id": id, "channel": "phone", "occurred_at": now,
		"summary": p.m("isum"), "outcome": p.m("iout"), "next_action": p.m("inext"), "created_at": now}, true)
	p.insert("customer_transfers", map[string]any{"customer_id": id, "from_owner": st.AgentA1.UserID,
		"to_owner": st.AgentA1.UserID, "reason": p.m("trreason"), "at": now}, true)
	p.insert("tasks", with(map[string]any{"kind": "manual", "title": p.m("ttitle"), "notes": p.m("tnotes"),
		"customer_id": id, "owner_id": st.AgentA1.UserID, "due_on": "2026-12-01", "outcome": p.m("tout"),
		"interaction_id": iid}, ts), true)
	tid := p.insert("tickets", with(map[string]any{"number": "TK-PRIV-1", "status": "registered", "channel": "phone",
		"severity": "low", "subject": p.m("tksubj"), "description": p.m("tkdesc"), "demand": p.m("tkdemand"),
		"contact_name": p.m("tkcname"), "contact_phone": p.m("tkcphone"), "customer_id": id, "received_at": now,
		"resolution": p.m("tkres"), "root_cause": p.m("tkroot"), "feedback": p.m("tkfb"), "opinion": p.m("tkop"),
		"close_reason": p.m("tkclose")}, ts), true)
	p.insert("ticket_events", map[string]any{"ticket_id": tid, "at": now, "action": "register", "note": p.m("tenote")}, true)
	p.insert("rectification_notices", with(map[string]any{"ticket_id": tid, "org_unit_id": 1, "problem": p.m("rnprob"),
		"requirement": p.m("rnreq"), "deadline": "2026-12-01", "status": "issued", "response": p.m("rnresp"),
		"verify_note": p.m("rnverify")}, ts), true)
	p.insert("ticket_public", map[string]any{"ticket_id": tid, "token_hash": "h-priv", "contact_time": p.m("tpct"),
		"match_hint": p.m("tphint"), "consent_at": now, "created_at": now}, false)
	p.insert("ticket_sla_events", map[string]any{"ticket_id": tid, "kind": "resolution_warning", "at": now}, true)
	p.insert("ticket_escalations", map[string]any{"ticket_id": tid, "level": 1, "at": now}, true)
	p.insert("notifications", map[string]any{"user_id": st.Admin.UserID, "kind": "ticket_assigned", "ticket_id": tid,
		"args": `{"subject":"` + p.m("notif") + `"}`, "created_at": now}, true)
	wid := p.insert("work_logs", with(map[string]any{"kind": "visit", "author_id": st.AgentA1.UserID, "work_on": "2026-11-01",
		"content": p.m("wcontent"), "destination": p.m("wdest"), "person_visited": p.m("wperson"), "contact": p.m("wcontact"),
		"purpose": p.m("wpurpose"), "result": p.m("wresult"), "review_comment": p.m("wreview")}, ts), true)
	p.insert("work_log_customers", map[string]any{"work_log_id": wid, "customer_id": id}, false)
	stid := p.insert("survey_templates", with(map[string]any{"org_unit_id": 1, "name": "问卷"}, ts), true)
	svid := p.insert("survey_template_versions", map[string]any{"template_id": stid, "revision": 1, "items": "[]", "created_at": now}, true)
	rid := p.insert("survey_requests", map[string]any{"customer_id": id, "template_id": stid, "template_version_id": svid,
		"channel": "link", "token_hash": p.m("svtoken"), "created_at": now}, true)
	aid := p.insert("survey_answers", map[string]any{"request_id": rid, "customer_id": id, "template_id": stid,
		"template_version_id": svid, "channel": "link", "comment": p.m("svcomment"), "answered_at": now}, true)
	p.insert("survey_answer_items", map[string]any{"answer_id": aid, "item_key": "q1", "item_type": "text", "value": p.m("svitem")}, false)
	p.insert("survey_answer_items", map[string]any{"answer_id": aid, "item_key": "q2", "item_type": "scale_5", "score": 4, "value": "4"}, false)
	p.insert("customer_duplicates", map[string]any{"a_id": min(id, p.Other), "b_id": max(id, p.Other), "reason": "mobile",
		"source": "scan", "created_at": now}, true)
	p.insert("customer_merges", map[string]any{"survivor_id": id, "merged_into": id, "merged_id": 99999,
		"merged_number": "C-OLD", "merged_name": p.m("mgname"), "snapshot": `{"x":"` + p.m("mgsnap") + `"}`,
		"chosen": `{"x":"` + p.m("mgchosen") + `"}`, "at": now}, true)
	imp := p.insert("imports", map[string]any{"entity": "customers", "file_name": "a.csv", "file_size": 10, "status": "done",
		"created_by": st.Admin.UserID, "created_at": now}, true)
	p.insert("import_files", map[string]any{"import_id": imp, "n": 1, "data": []byte("name\n" + p.m("impfile"))}, false)
	p.insert("import_problems", map[string]any{"import_id": imp, "line": 2, "kind": "error", "cells": `["` + p.m("impprob") + `"]`}, false)
	p.insert("import_changes", map[string]any{"import_id": imp, "customer_id": id, "object_type": "customer",
		"object_id": id, "action": "update", "before_image": `{"name":"` + p.m("impbefore") + `"}`}, true)
	p.insert("import_tokens", map[string]any{"import_id": imp, "customer_id": id, "tokens": `["n:` + p.m("imptok") + `"]`}, false)
	// A rejected row of another import that quotes the subject's mobile.
	imp2 := p.insert("imports", map[string]any{"entity": "customers", "file_name": "b.csv", "file_size": 10, "status": "done",
		"created_by": st.Admin.UserID, "created_at": now}, true)
	p.insert("import_problems", map[string]any{"import_id": imp2, "line": 3, "kind": "duplicate", "cells": `["MKRmobile"]`}, false)
	p.insert("import_problems", map[string]any{"import_id": imp2, "line": 4, "kind": "error", "cells": `["kept"]`}, false)
	// Another person whose name contains the subject's: not the subject.
	p.insert("import_problems", map[string]any{"import_id": imp2, "line": 5, "kind": "error", "cells": `["keptname ` + p.m("name") + `丰"]`}, false)
	mid := p.insert("outbox_messages", with(map[string]any{"channel": "sms", "customer_id": id, "recipient": p.m("obrcpt"),
		"template": "care.birthday", "vars": `{"n":"` + p.m("obvars") + `"}`, "send_after": now, "idem_key": "priv-1",
		"status": "queued", "next_attempt_at": now, "subject": p.m("obsubj"), "body": p.m("obbody")}, ts), true)
	p.insert("outbox_attempts", map[string]any{"message_id": mid, "n": 1, "at": now, "outcome": "failed", "error": p.m("oberr")}, true)
	rule := p.insert("care_rules", with(map[string]any{"name": "生日", "kind": "birthday"}, ts), true)
	p.insert("care_events", map[string]any{"rule_id": rule, "customer_id": id, "occurrence": "2026", "kind": "birthday",
		"event_on": "2026-01-01", "status": "fired", "usage_note": p.m("cenote"), "created_at": now}, true)
	res := p.insert("appointment_resources", with(map[string]any{"name": "工位1", "kind": "bay", "hours": "{}"}, ts), true)
	p.insert("appointments", with(map[string]any{"customer_id": id, "kind_id": 1, "resource_id": res, "starts_at": later,
		"ends_at": later.Add(time.Hour), "note": p.m("apnote"), "cancel_reason": p.m("apcancel"), "arrive_note": p.m("aparrive")}, ts), true)
	p.insert("legal_holds", map[string]any{"customer_id": id, "reason": p.m("holdreason"), "set_by": st.Admin.UserID,
		"set_at": now, "released_by": st.Admin.UserID, "released_at": now}, true)
	ev := p.insert("consent_events", map[string]any{"customer_id": id, "purpose": "marketing", "channel": "sms",
		"action": "grant", "notice_version": "v1", "source": "form", "at": now}, true)
	p.insert("consent_state", map[string]any{"customer_id": id, "purpose": "marketing", "channel": "sms",
		"action": "grant", "event_id": ev, "notice_version": "v1", "at": now}, false)
	p.insert("customer_access", map[string]any{"user_id": st.Admin.UserID, "customer_id": id, "at": now, "via": "api_get"}, true)
	if err := s.Audit(context.Background(), audit.New(st.Admin, audit.ActionCreate, "customer", id,
		map[string]any{"number": p.Number}).ForCustomer(id)); err != nil {
		t.Fatal(err)
	}
	// Exports: a finished file quoting the subject, one quoting only the
	// other customer, and a running one.
	csvFile := func(rows ...string) []byte { return []byte("number,name\n" + strings.Join(rows, "\n")) }
	e1 := p.insert("exports", map[string]any{"user_id": st.Admin.UserID, "kind": "customers", "format": "csv", "status": "done",
		"created_at": now, "expires_at": later}, true)
	p.insert("export_chunks", map[string]any{"export_id": e1, "seq": 1, "data": csvFile("C-PRIV-2,OTHER客户", p.Number+","+p.m("expname"))}, false)
	e2 := p.insert("exports", map[string]any{"user_id": st.Admin.UserID, "kind": "customers", "format": "csv", "status": "done",
		"created_at": now, "expires_at": later}, true)
	p.insert("export_chunks", map[string]any{"export_id": e2, "seq": 1, "data": csvFile("C-PRIV-2,OTHER客户")}, false)
	e3 := p.insert("exports", map[string]any{"user_id": st.Admin.UserID, "kind": "customers", "format": "csv", "status": "running",
		"created_at": now, "lease_until": later}, true)
	p.insert("export_chunks", map[string]any{"export_id": e3, "seq": 1, "data": csvFile(p.Number + "," + p.m("exprun"))}, false)
	p.insert("idempotency_keys", map[string]any{"user_id": st.Admin.UserID, "key": "k-priv", "method": "POST",
		"path": "/api/v1/customers", "body_hash": "x", "body": []byte(`{"id":` + fmt.Sprint(id) + `,"name":"` + p.m("idem") + `"}`),
		"created_at": now}, false)
	p.insert("idempotency_keys", map[string]any{"user_id": st.Admin.UserID, "key": "k-other", "method": "POST",
		"path": "/api/v1/customers", "body_hash": "y", "body": []byte(`{"id":` + fmt.Sprint(p.Other) + `,"name":"OTHER客户"}`),
		"created_at": now}, false)
	return p
}

package web

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/bulk"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

func importViewHandler(t *testing.T) (*Handler, *httptest.ResponseRecorder, *Base) {
	t.Helper()
	b, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHandler(&app.App{I18n: b, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/imports/7", nil)
	a := guanxi.Actor{UserID: 1, Username: "admin", Name: "管理员", Role: guanxi.RoleAdmin, Lang: "en"}
	r = r.WithContext(guanxi.WithActor(r.Context(), a))
	base := h.base(r, "web.import.map_title", "imports")
	return h, httptest.NewRecorder(), &base
}

// TestImportMapViewErrors: the preview's cells carry their problems, and
// mapping errors land next to the select they name (by column, or every
// column mapped to the field), next to an option, or in the list above.
func TestImportMapViewErrors(t *testing.T) {
	h, rec, base := importViewHandler(t)
	p := bulk.Preview{
		Import:  bulk.Import{ID: 7, Status: bulk.StatusUploaded, FileName: "a.csv", Info: bulk.FileInfo{Format: bulk.FormatCSV, Encoding: "gb18030", Delimiter: ","}},
		Header:  []string{"姓名", "手机", "名称", "备注"},
		Mapping: []string{"name", "mobile", "name", ""},
		Fields:  []bulk.Field{{Key: "name", Required: true}, {Key: "mobile"}, {Key: "notes"}},
		Rows: []bulk.Row{{Line: 2, Cells: []string{"张三", "12345", "张三", "x"}},
			{Line: 3, Cells: []string{"李四", "13800138000", "李四", ""}}},
		Problems: []bulk.Problem{{Line: 2, Column: 1, Key: "validation.mobile", Value: "12345"},
			{Line: 3, Column: -1, Key: "validation.required"}},
	}
	v := &importMapView{Base: *base, Im: p.Import, Opt: bulk.Options{Entity: bulk.Customers}, Info: p.Import.Info}
	v.fill(p)
	v.attach(guanxi.Invalid(
		guanxi.FieldError{Field: "name", Key: "validation.taken"},
		guanxi.FieldError{Field: "mapping[1]", Key: "validation.enum"},
		guanxi.FieldError{Field: "key", Key: "validation.required"},
		guanxi.FieldError{Field: "id_number", Key: "validation.required"},
	))
	if v.Cols[0].Err != "Already taken" || v.Cols[2].Err != "Already taken" || v.Cols[1].Err == "" || v.Cols[3].Err != "" {
		t.Errorf("column errors: %+v", v.Cols)
	}
	if v.Errors["key"] == "" || len(v.MapErrs) != 1 || !strings.Contains(v.MapErrs[0], "Required") {
		t.Errorf("option errors %v, list %v", v.Errors, v.MapErrs)
	}
	if len(v.Mapped) != 3 || len(v.Rows) != 2 || v.Rows[0].Cells[1].Msg == "" || v.Rows[0].Cells[0].Msg != "" || v.Rows[1].Msg == "" {
		t.Errorf("preview rows: %+v mapped %+v", v.Rows, v.Mapped)
	}
	if len(v.Cols[1].Samples) != 2 || v.Cols[3].Samples[0] != "x" {
		t.Errorf("samples: %+v", v.Cols)
	}
	if err := h.renderBlock(rec, httptest.NewRequest("GET", "/", nil), 200, "import_map", "mapform", v); err != nil {
		t.Fatal(err)
	}
	out := rec.Body.String()
	for _, want := range []string{`id="map-err-0"`, `id="map-err-2"`, `class="bad-cell"`, "GBK / GB18030", `name="map.3"`, `id="map-errors"`} {
		if !strings.Contains(out, want) {
			t.Errorf("rendered form lacks %q", want)
		}
	}
}

// TestImportProgressView: the fragment polls until the status is final,
// then shows the summary without the trigger.
func TestImportProgressView(t *testing.T) {
	h, _, base := importViewHandler(t)
	start := time.Now().Add(-10 * time.Second)
	for _, c := range []struct {
		im    bulk.Import
		phase string
		poll  bool
		has   []string
	}{
		{bulk.Import{ID: 7, Status: bulk.StatusRunning, RowsTotal: 1000, RowsDone: 250, StartedAt: &start}, bulk.PhaseWrite, true,
			[]string{`value="25"`, "25 %", `id="import-cancel"`, "rows/s", "writing"}},
		// Every row written, the deferred search tokens still moving.
		{bulk.Import{ID: 7, Status: bulk.StatusRunning, RowsTotal: 1000, RowsDone: 1000, StartedAt: &start}, bulk.PhaseWrite, true,
			[]string{`value="100"`, "building the search index"}},
		{bulk.Import{ID: 7, Status: bulk.StatusQueued}, "", true, []string{"Checking the file"}},
		{bulk.Import{ID: 7, Status: bulk.StatusDone, RowsTotal: 1000, RowsDone: 1000, Created: 990, Review: 2, StartedAt: &start}, "", false,
			[]string{`value="100"`, `id="import-summary"`, `id="import-undo"`, "990 created", `href="/duplicates"`}},
		{bulk.Import{ID: 7, Status: bulk.StatusFailed, ErrorKey: "error.invalid"}, "", false, []string{"nothing was written"}},
	} {
		v := &importProgressView{Base: *base, Im: c.im, Meta: bulk.ImportMeta{Phase: c.phase}, Final: importFinal(c.im.Status)}
		if c.im.RowsTotal > 0 {
			v.Known, v.Percent = true, int(c.im.RowsDone*100/c.im.RowsTotal)
		}
		v.Rate = v.ImportCount(int64(c.im.Rate(time.Now())))
		rec := httptest.NewRecorder()
		if err := h.renderBlock(rec, httptest.NewRequest("GET", "/", nil), 200, "import_progress", "progress", v); err != nil {
			t.Fatal(err)
		}
		out := rec.Body.String()
		if strings.Contains(out, `hx-trigger="every 1s"`) != c.poll {
			t.Errorf("%s: polling %v, want %v", c.im.Status, !c.poll, c.poll)
		}
		for _, s := range c.has {
			if !strings.Contains(out, s) {
				t.Errorf("%s: fragment lacks %q\n%s", c.im.Status, s, out)
			}
		}
	}
}

func TestImportClock(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0:00", 65 * time.Second: "1:05", 3725 * time.Second: "1:02:05"} {
		if got := importClock(d); got != want {
			t.Errorf("importClock(%v) = %q, want %q", d, got, want)
		}
	}
}

package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/response"
	"github.com/guanxi-crm/guanxi/internal/survey"
)

// surveyRoutes are the survey pages: template editor, sending and answering
// from a customer's page, the customer's public link and the report.
func (h *Handler) surveyRoutes() []route {
	admin := guanxi.PermSurveyAdmin
	return []route{
		{"GET", "/surveys", admin, h.surveyTemplates},
		{"GET", "/surveys/new", admin, h.surveyTemplateNew},
		{"POST", "/surveys", admin, h.surveyTemplateCreate},
		{"GET", "/surveys/{id}", admin, h.surveyTemplateEdit},
		{"POST", "/surveys/{id}", admin, h.surveyTemplateUpdate},
		{"GET", "/customers/{id}/surveys", guanxi.PermCustomerRead, h.customerSurveys},
		{"POST", "/customers/{id}/surveys", guanxi.PermCustomerWrite, h.customerSurveySend},
		{"GET", "/customers/{id}/surveys/{sub}", guanxi.PermCustomerWrite, h.customerSurveyAnswerPage},
		{"POST", "/customers/{id}/surveys/{sub}", guanxi.PermCustomerWrite, h.customerSurveyAnswer},
		{"GET", "/reports/surveys", admin, h.surveyReport},
		{"GET", "/reports/surveys.csv", admin, h.surveyReportCSV},
		// The customer's one-time link: public, no staff navigation.
		{"GET", "/s/{token}", "", h.publicSurvey},
		{"POST", "/s/{token}", "", h.publicSurveyAnswer},
	}
}

// ItemTypes lists the survey item types for the editor.
func (b *Base) ItemTypes() []string { return stringsOf(survey.ItemTypes) }

type surveyListView struct {
	Base
	Templates []survey.Template
}

func (h *Handler) surveyTemplates(w http.ResponseWriter, r *http.Request) error {
	v := &surveyListView{Base: h.base(r, "web.survey.templates", "surveys")}
	var err error
	if v.Templates, err = h.app.Surveys.Templates(r.Context(), actor(r), true); err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "survey_templates", v)
}

// itemRow is one editable item row; blank rows let the editor add items
// without script.
type itemRow struct {
	Index                                int
	Key, Type, TextZh, TextEn, Script    string
	Required                             bool
	Choices                              string // one per line
	ErrKey, ErrType, ErrText, ErrChoices string
	ErrTextEn, ErrScript                 string
}

type surveyEditView struct {
	Base
	ID          guanxi.ID
	Name        string
	Description string
	Status      string
	Revision    int
	Used        bool
	Version     int64
	Rows        []itemRow
}

const blankRows = 3

func (v *surveyEditView) fill(t survey.Template) {
	v.ID, v.Name, v.Description, v.Status, v.Revision, v.Used, v.Version = t.ID, t.Name, t.Description, string(t.Status), t.Revision, t.Used, t.Version
	v.Rows = nil
	for _, it := range t.Items {
		v.Rows = append(v.Rows, itemRow{Key: it.Key, Type: string(it.Type), TextZh: it.TextZh, TextEn: it.TextEn,
			Script: it.Script, Required: it.Required, Choices: strings.Join(it.Choices, "\n")})
	}
	v.pad()
}

func (v *surveyEditView) pad() {
	for range blankRows {
		v.Rows = append(v.Rows, itemRow{Type: string(survey.Scale5)})
	}
	for i := range v.Rows {
		v.Rows[i].Index = i
	}
}

func (h *Handler) surveyTemplateNew(w http.ResponseWriter, r *http.Request) error {
	v := &surveyEditView{Base: h.base(r, "web.survey.new_template", "surveys"), Status: string(survey.Active)}
	v.Rows = []itemRow{
		{Key: "service", Type: string(survey.Scale5), Required: true},
		{Key: "recommend", Type: string(survey.NPS), Required: true},
	}
	v.pad()
	return h.render(w, r, http.StatusOK, "survey_edit", v)
}

func (h *Handler) surveyTemplateEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := h.app.Surveys.Template(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	v := &surveyEditView{Base: h.base(r, "web.survey.edit_template", "surveys")}
	v.fill(t)
	return h.render(w, r, http.StatusOK, "survey_edit", v)
}

// parseTemplateForm reads the editor. Rows left blank are dropped; rowOf
// maps an item's index back to its row for inline errors.
func parseTemplateForm(r *http.Request) (t survey.Template, rows []itemRow, rowOf []int) {
	t.Name, t.Description = r.PostFormValue("name"), r.PostFormValue("description")
	t.Status = survey.Status(r.PostFormValue("status"))
	n, _ := strconv.Atoi(r.PostFormValue("rows"))
	n = min(max(n, 0), survey.MaxItems+blankRows)
	for i := range n {
		p := fmt.Sprintf("items.%d.", i)
		row := itemRow{Key: strings.TrimSpace(r.PostFormValue(p + "key")), Type: r.PostFormValue(p + "type"),
			TextZh: r.PostFormValue(p + "text_zh"), TextEn: r.PostFormValue(p + "text_en"), Script: r.PostFormValue(p + "script"),
			Required: r.PostFormValue(p+"required") == "1", Choices: r.PostFormValue(p + "choices")}
		if strings.TrimSpace(row.TextZh+row.TextEn+row.Script+row.Choices) == "" {
			continue // a blank row (its key and type are only defaults)
		}
		rows = append(rows, row)
		rowOf = append(rowOf, len(rows)-1)
		t.Items = append(t.Items, survey.Item{Key: row.Key, Type: survey.ItemType(row.Type), TextZh: row.TextZh,
			TextEn: row.TextEn, Script: row.Script, Required: row.Required, Choices: strings.Split(row.Choices, "\n")})
	}
	return t, rows, rowOf
}

var itemFieldRe = regexp.MustCompile(`^items\[(\d+)\]\.(\w+)$`)

// editorError re-renders the editor with what was typed and each item's
// errors next to its inputs.
func (h *Handler) editorError(w http.ResponseWriter, r *http.Request, err error, v *surveyEditView, rows []itemRow, rowOf []int) error {
	e := guanxi.AsError(err)
	switch e.Kind {
	case guanxi.KindInvalid, guanxi.KindConflict, guanxi.KindPreconditionFailed:
	default:
		return err
	}
	v.Rows = rows
	v.pad()
	v.setError(e)
	for _, fe := range e.Fields {
		m := itemFieldRe.FindStringSubmatch(fe.Field)
		if m == nil {
			continue
		}
		i, _ := strconv.Atoi(m[1])
		if i >= len(rowOf) {
			continue
		}
		row := &v.Rows[rowOf[i]]
		msg := v.T(fe.Key, fe.Args)
		switch m[2] {
		case "key":
			row.ErrKey = msg
		case "type":
			row.ErrType = msg
		case "text_zh":
			row.ErrText = msg
		case "text_en":
			row.ErrTextEn = msg
		case "script":
			row.ErrScript = msg
		case "choices":
			row.ErrChoices = msg
		}
	}
	return h.render(w, r, response.Status(err), "survey_edit", v)
}

func (h *Handler) surveyTemplateCreate(w http.ResponseWriter, r *http.Request) error {
	t, rows, rowOf := parseTemplateForm(r)
	if err := h.app.Surveys.CreateTemplate(r.Context(), actor(r), &t); err != nil {
		v := &surveyEditView{Base: h.base(r, "web.survey.new_template", "surveys"), Name: t.Name,
			Description: t.Description, Status: string(t.Status)}
		return h.editorError(w, r, err, v, rows, rowOf)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/surveys/"+strconv.FormatInt(t.ID, 10))
}

func (h *Handler) surveyTemplateUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	in, rows, rowOf := parseTemplateForm(r)
	_, err = h.app.Surveys.UpdateTemplate(r.Context(), actor(r), id, version, func(t *survey.Template) error {
		t.Name, t.Description, t.Status, t.Items = in.Name, in.Description, in.Status, in.Items
		return nil
	})
	if err != nil {
		if k := guanxi.KindOf(err); k == guanxi.KindNotFound || k == guanxi.KindForbidden {
			return err
		}
		v := &surveyEditView{Base: h.base(r, "web.survey.edit_template", "surveys"), ID: id, Name: in.Name,
			Description: in.Description, Status: string(in.Status), Version: version}
		if cur, e := h.app.Surveys.Template(r.Context(), actor(r), id); e == nil {
			v.Revision, v.Used = cur.Revision, cur.Used
		}
		return h.editorError(w, r, err, v, rows, rowOf)
	}
	h.flash(r.Context(), "web.flash.saved")
	return redirect(w, r, "/surveys/"+strconv.FormatInt(id, 10))
}

// Scores lists the points offered for a scored item type.
func (b *Base) Scores(t survey.ItemType) []int {
	lo, hi := t.Range()
	if hi == 0 {
		return nil
	}
	out := make([]int, 0, hi-lo+1)
	for i := lo; i <= hi; i++ {
		out = append(out, i)
	}
	return out
}

// ItemText is an item's question in the page language.
func (b *Base) ItemText(it survey.Item) string { return it.Text(b.Lang) }

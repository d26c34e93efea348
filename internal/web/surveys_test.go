package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/server/servertest"
	"github.com/guanxi-crm/guanxi/internal/sqlstore/sqltest"
	"github.com/guanxi-crm/guanxi/internal/survey"
)

// seedSurveyTemplate makes a template owned by the head office (id 1).
func seedSurveyTemplate(t *testing.T, env *servertest.Env) survey.Template {
	t.Helper()
	tpl := &survey.Template{Name: "回访", Items: []survey.Item{{Key: "service", Type: survey.Scale5, TextZh: "满意吗"}}}
	if err := env.App.Surveys.CreateTemplate(context.Background(), env.Actor("admin"), tpl); err != nil {
		t.Fatal(err)
	}
	return *tpl
}

type page struct {
	status int
	body   string
	loc    string
}

func send(t *testing.T, c *http.Client, method, u string, form url.Values, hdr ...string) page {
	t.Helper()
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, string(b), resp.Header.Get("Location")}
}

func (p page) must(t *testing.T, status int, subs ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d\n%s", p.status, status, p.body)
	}
	for _, s := range subs {
		if !strings.Contains(p.body, s) {
			t.Fatalf("body lacks %q\n%s", s, p.body)
		}
	}
}

type recordComplaints struct{ calls []guanxi.ID }

func (r *recordComplaints) OpenComplaintFromSurvey(_ context.Context, _ guanxi.Actor, _, answerID guanxi.ID, _ float64, _ string) (guanxi.ID, string, error) {
	r.calls = append(r.calls, answerID)
	return 700 + answerID, fmt.Sprintf("TS-2026-%06d", 700+answerID), nil
}

// TestSurveyPages walks the survey journey through the web UI: a manager
// writes a template, an agent sends a link and makes a call, the customer
// answers on the public page, the manager reads the report.
func TestSurveyPages(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	fake := &recordComplaints{}
	if env.App.Surveys.Complaints == nil {
		env.App.Surveys.Complaints = fake
	}
	c := env.Customer(t, "agent_a1", "王小明", "13700137000")
	mgr, agent := env.Login(t, "mgr_a"), env.Login(t, "agent_a1")
	anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	u := env.URL

	send(t, mgr, "GET", u+"/surveys", nil).must(t, 200, "回访问卷模板", `href="/reports/surveys"`)
	send(t, mgr, "GET", u+"/surveys/new", nil).must(t, 200, `name="items.0.text_zh"`)
	send(t, agent, "GET", u+"/surveys", nil).must(t, 403)

	// Errors are shown next to the item and what was typed is kept.
	form := url.Values{"name": {"交车回访"}, "status": {"active"}, "rows": {"4"},
		"items.0.key": {"service"}, "items.0.type": {"scale_5"}, "items.0.text_zh": {"您对交车服务满意吗？"}, "items.0.script": {"您好，我是您的客户经理"}, "items.0.required": {"1"},
		"items.1.key": {"recommend"}, "items.1.type": {"nps"}, "items.1.text_zh": {"您愿意向亲友推荐我们吗？"}, "items.1.required": {"1"},
		"items.2.key": {"channel"}, "items.2.type": {"choice"}, "items.2.text_zh": {"您从哪里知道我们？"}, "items.2.choices": {"朋友介绍"},
		"items.3.type": {"scale_5"}}
	send(t, mgr, "POST", u+"/surveys", form).must(t, 400, "选择题至少需要两个选项", "您从哪里知道我们？", "您好，我是您的客户经理")
	form.Set("items.2.choices", "朋友介绍\n广告")
	p := send(t, mgr, "POST", u+"/surveys", form)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.loc, "/surveys/") {
		t.Fatalf("create template: %d %s", p.status, p.body)
	}
	send(t, mgr, "GET", u+p.loc, nil).must(t, 200, "交车回访", "朋友介绍")

	// The agent creates a link from the customer's page.
	cu := fmt.Sprintf("%s/customers/%d", u, c.ID)
	send(t, agent, "GET", cu, nil).must(t, 200, `id="customer-surveys"`)
	page := send(t, agent, "GET", cu+"/surveys", nil)
	page.must(t, 200, "交车回访", `value="link"`, `value="phone"`)
	tid := regexp.MustCompile(`<option value="(\d+)"`).FindStringSubmatch(page.body)[1]
	p = send(t, agent, "POST", cu+"/surveys", url.Values{"template_id": {tid}, "channel": {"link"}})
	p.must(t, 201, "/s/")
	m := regexp.MustCompile(`/s/([A-Za-z0-9_-]{43})`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no link in %s", p.body)
	}
	link := u + "/s/" + m[1]

	// The customer's page: no sign-in, no staff navigation, nothing personal.
	p = send(t, anon, "GET", link, nil)
	p.must(t, 200, "王**", "您对交车服务满意吗？", `name="a.recommend"`)
	for _, leak := range []string{"13700137000", "王小明", "sidebar", "您好，我是您的客户经理", "/customers"} {
		if strings.Contains(p.body, leak) {
			t.Fatalf("public page shows %q", leak)
		}
	}
	send(t, anon, "GET", link, nil, "Accept-Language", "en").must(t, 200, "Submit")
	send(t, anon, "POST", link, url.Values{"a.service": {"2"}}).must(t, 400, "您愿意向亲友推荐我们吗？", `value="2" checked`)
	send(t, anon, "POST", link, url.Values{"a.service": {"2"}, "a.recommend": {"3"}, "comment": {"交车太慢"}}).must(t, 200, "感谢您的反馈")
	send(t, anon, "POST", link, url.Values{"a.service": {"5"}, "a.recommend": {"10"}}).must(t, 409, "已提交过")
	send(t, anon, "GET", u+"/s/not-a-token", nil).must(t, 404, "链接无效")
	if env.App.Surveys.Complaints == fake && len(fake.calls) != 1 {
		t.Fatalf("complaints %v, want exactly one", fake.calls)
	}

	// A phone survey: the agent sees the script and records the answers.
	p = send(t, agent, "POST", cu+"/surveys", url.Values{"template_id": {tid}, "channel": {"phone"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("phone: %d %s", p.status, p.body)
	}
	send(t, agent, "GET", u+p.loc, nil).must(t, 200, "您好，我是您的客户经理", "话术")
	send(t, agent, "POST", u+p.loc, url.Values{"a.service": {"5"}}).must(t, 400, "您愿意向亲友推荐我们吗？")
	if r := send(t, agent, "POST", u+p.loc, url.Values{"a.service": {"5"}, "a.recommend": {"9"}}); r.status != http.StatusSeeOther {
		t.Fatalf("phone answer: %d %s", r.status, r.body)
	}
	send(t, agent, "GET", cu+"/surveys", nil).must(t, 200, "交车太慢", "TS-2026-", "低分")
	// Another branch's agent sees nothing of it.
	send(t, env.Login(t, "agent_b"), "GET", cu+"/surveys", nil).must(t, 404)

	// The report and its CSV.
	send(t, mgr, "GET", u+"/reports/surveys?period=month&by=staff&template_id="+tid, nil).
		must(t, 200, "李经理", `id="survey-csat">50.0`, `id="survey-nps">0.0`, "您对交车服务满意吗？")
	send(t, mgr, "GET", u+"/reports/surveys?at=bad", nil).must(t, 400)
	p = send(t, mgr, "GET", u+"/reports/surveys.csv?by=team", nil)
	if p.status != 200 || !strings.HasPrefix(p.body, "\xEF\xBB\xBF") || !strings.Contains(p.body, "城东一组") {
		t.Fatalf("csv: %d %q", p.status, p.body)
	}
}

func TestSurveyTemplateKeys(t *testing.T) {
	env := servertest.New(t, sqltest.SQLite(t))
	b := env.App.I18n
	for _, it := range survey.ItemTypes {
		for _, lang := range []string{"zh-CN", "en"} {
			for _, k := range []string{"web.survey.type." + string(it), "web.survey.status.active", "web.survey.status.archived",
				"web.survey.channel.link", "web.survey.channel.phone"} {
				if !b.Has(lang, k) {
					t.Errorf("%s: no %s", lang, k)
				}
			}
		}
	}
}

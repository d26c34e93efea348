package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/staff"
	"github.com/guanxi-crm/guanxi/internal/survey"
	"github.com/guanxi-crm/guanxi/internal/task"
	"github.com/guanxi-crm/guanxi/internal/ticket"
	"github.com/guanxi-crm/guanxi/internal/worklog"
)

// demoActivity adds the day-to-day work of a CRM in use on top of the bulk
// demo load: follow-up plans, survey templates, complaints at every step of
// the process, today's follow-ups, answered surveys and work logs. It goes
// through the services, so every row is valid, scoped and audited as if
// staff had done it; the same seed gives the same activity.
func demoActivity(ctx context.Context, a *app.App, seed uint64, customers int, stdout io.Writer) error {
	if a.Tickets == nil || a.Surveys == nil || a.Tasks == nil || a.WorkLogs == nil {
		return nil
	}
	start := time.Now()
	d, err := newDemoWork(ctx, a, seed)
	if err != nil {
		return err
	}
	if err := d.plans(ctx); err != nil {
		return fmt.Errorf("demo plans: %w", err)
	}
	tmpl, err := d.surveyTemplate(ctx)
	if err != nil {
		return fmt.Errorf("demo survey template: %w", err)
	}
	n := min(max(customers/100, 30), 300)
	tickets, err := d.tickets(ctx, n)
	if err != nil {
		return fmt.Errorf("demo tickets: %w", err)
	}
	answers, err := d.surveys(ctx, tmpl, n)
	if err != nil {
		return fmt.Errorf("demo surveys: %w", err)
	}
	tasks, err := d.followUps(ctx)
	if err != nil {
		return fmt.Errorf("demo follow-ups: %w", err)
	}
	if err := d.workLogs(ctx); err != nil {
		return fmt.Errorf("demo work logs: %w", err)
	}
	fmt.Fprintf(stdout, "demo: activity in %s: %d complaints, %d survey answers, %d follow-up tasks\n",
		time.Since(start).Round(time.Millisecond), tickets, answers, tasks)
	return nil
}

// demoWork holds the staff and the clock the activity is written with.
type demoWork struct {
	a   *app.App
	r   *rand.Rand
	now time.Time
	// at is the moment the services believe it is while writing history.
	at        time.Time
	ticketSvc *ticket.Service
	surveySvc *survey.Service
	users     map[string]staff.User
	managers  []staff.User // by org path depth, deepest first
	agents    []staff.User
}

func newDemoWork(ctx context.Context, a *app.App, seed uint64) (*demoWork, error) {
	d := &demoWork{a: a, r: rand.New(rand.NewPCG(seed, seed^0x6775616e7869)), now: time.Now().UTC(), users: map[string]staff.User{}}
	d.at = d.now
	clock := func() time.Time { return d.at }
	d.ticketSvc = &ticket.Service{Store: a.Tickets.Store, Settings: a.Tickets.Settings, Loc: a.Tickets.Loc, Now: clock}
	d.surveySvc = &survey.Service{Store: a.Surveys.Store, Settings: a.Surveys.Settings, Complaints: d.ticketSvc, Log: a.Surveys.Log, Now: clock}
	list, err := a.Staff.ListUsers(ctx, guanxi.SystemActor("demo"), staff.UserQuery{})
	if err != nil {
		return nil, err
	}
	for _, u := range list {
		d.users[u.Username] = u
		switch u.Role {
		case guanxi.RoleManager:
			d.managers = append(d.managers, u)
		case guanxi.RoleAgent:
			d.agents = append(d.agents, u)
		}
	}
	if len(d.managers) == 0 || len(d.agents) == 0 {
		return nil, fmt.Errorf("demo staff missing")
	}
	return d, nil
}

// managerOf is the manager nearest above u in the org tree.
func (d *demoWork) managerOf(u staff.User) staff.User {
	best := d.users["admin"]
	for _, m := range d.managers {
		if strings.HasPrefix(u.OrgPath, m.OrgPath) && len(m.OrgPath) > len(best.OrgPath) {
			best = m
		}
	}
	return best
}

// someCustomers returns up to n live customers owned by u.
func (d *demoWork) someCustomers(ctx context.Context, u staff.User, n int) ([]customer.Customer, error) {
	page, err := d.a.Customers.List(ctx, u.Actor("127.0.0.1"), customer.ListQuery{Limit: n, Sort: "id"})
	return page.Items, err
}

func (d *demoWork) pick(xs []string) string { return xs[d.r.IntN(len(xs))] }

func (d *demoWork) plans(ctx context.Context) error {
	admin := d.users["admin"].Actor("127.0.0.1")
	for _, p := range []task.Plan{
		{Name: "交车后 3 天回访", Trigger: task.TriggerVehicleDelivery, OffsetDays: 3, Title: "交车回访：{customer}（{date} 交车）", Active: true},
		{Name: "保养维修后次日回访", Trigger: task.TriggerService, OffsetDays: 1, Title: "服务回访：{customer}", Active: true},
		{Name: "A 级客户每月回访", Trigger: task.TriggerPeriodicGrade, OffsetDays: 5, Grades: []string{"A"}, Title: "月度回访：{customer}", Active: true},
		{Name: "投诉结案后 7 天回访", Trigger: task.TriggerComplaintClosed, OffsetDays: 7, Title: "投诉结案回访：{customer}", Active: true},
	} {
		if err := d.a.Tasks.SavePlan(ctx, admin, &p, 0); err != nil {
			return err
		}
	}
	return nil
}

func (d *demoWork) surveyTemplate(ctx context.Context) (survey.Template, error) {
	t := survey.Template{Name: "售后服务满意度回访", Description: "服务完成后的电话回访（客户满意度与推荐度）",
		Status: survey.Active, Items: []survey.Item{
			{Key: "overall", Type: survey.Scale5, TextZh: "您对本次服务的总体满意度？", TextEn: "How satisfied are you with the service overall?",
				Script: "您好，我是您的客户经理，耽误您一分钟做个回访。", Required: true},
			{Key: "attitude", Type: survey.Scale5, TextZh: "工作人员的服务态度？", TextEn: "How was the staff's attitude?", Required: true},
			{Key: "waiting", Type: survey.Scale5, TextZh: "办理等候时间？", TextEn: "How was the waiting time?", Required: true},
			{Key: "recommend", Type: survey.NPS, TextZh: "您有多大可能向亲友推荐我们？", TextEn: "How likely are you to recommend us?", Required: true},
			{Key: "comment", Type: survey.Text, TextZh: "还有什么意见或建议？", TextEn: "Anything else you would like to tell us?"},
		}}
	// Owned by the head office, so every branch may send it.
	units, err := d.a.Staff.ListUnits(ctx, guanxi.SystemActor("demo"))
	if err != nil {
		return t, err
	}
	for _, u := range units {
		if u.ParentID == nil {
			t.OrgUnitID = u.ID
		}
	}
	err = d.surveySvc.CreateTemplate(ctx, d.users["admin"].Actor("127.0.0.1"), &t)
	return t, err
}

var demoComplaints = []struct{ category, subject, demand, cause, resolution string }{
	{"service.waiting", "柜台等候时间过长", "希望增加窗口", "高峰期窗口不足", "已调整高峰期排班并增设取号提醒"},
	{"product.mis_selling", "理财产品收益与宣传不符", "要求解释并赔偿差额", "销售人员未充分揭示风险", "已向客户说明产品条款，对销售人员进行合规培训"},
	{"product.fees", "手机银行转账失败扣费", "退还手续费", "系统升级期间重复扣费", "已退还手续费并致歉"},
	{"product.quality", "车辆保养后异响", "免费返修", "配件安装不到位", "已免费返修并赠送一次保养"},
	{"service.attitude", "客户经理服务态度差", "更换客户经理", "沟通方式不当", "已约谈当事员工，客户同意继续服务"},
	{"process", "贷款审批进度不透明", "告知审批进度", "审批环节通知缺失", "已增加审批进度短信通知"},
	{"service.waiting", "物业维修响应慢", "尽快上门维修", "报修工单积压", "已增派维修人员并当天上门"},
	{"product.fees", "信用卡年费未经同意扣收", "退还年费", "系统未识别免年费条件", "已退还年费并修正规则"},
	{"privacy", "未经同意收到营销短信", "停止发送并说明信息来源", "营销名单未校验授权", "已退订并核查营销名单授权"},
}

// tickets registers n complaints received over the last half year and moves
// each along the process to a step that depends on its age, so the board,
// the SLA clocks and the analytics have every state to show.
func (d *demoWork) tickets(ctx context.Context, n int) (int, error) {
	cats, err := d.ticketSvc.Categories(ctx, d.users["admin"].Actor("127.0.0.1"))
	if err != nil {
		return 0, err
	}
	catID := map[string]guanxi.ID{}
	for _, c := range cats {
		catID[c.Code] = c.ID
	}
	made := 0
	for i := 0; made < n && i < n*3; i++ {
		agent := d.agents[d.r.IntN(len(d.agents))]
		cs, err := d.someCustomers(ctx, agent, 20)
		if err != nil || len(cs) == 0 {
			continue
		}
		c := cs[d.r.IntN(len(cs))]
		mgr := d.managerOf(agent)
		x := demoComplaints[d.r.IntN(len(demoComplaints))]
		age := time.Duration(d.r.IntN(180*24)) * time.Hour
		d.at = d.now.Add(-age)
		cid := c.ID
		var cat *guanxi.ID
		if id, ok := catID[x.category]; ok {
			cat = &id
		}
		t := &ticket.Ticket{CategoryID: cat, Channel: d.pick([]string{"phone", "phone", "walk_in", "email", "letter", "social_media", "regulator"}),
			Severity: ticket.Severities[d.r.IntN(3)], Subject: x.subject, Description: x.subject + "，客户来电反映，情绪较为激动。",
			Demand: x.demand, ContactName: c.Name, CustomerID: &cid, FirstContact: d.r.IntN(5) == 0}
		if err := d.ticketSvc.Register(ctx, agent.Actor("127.0.0.1"), t); err != nil {
			return made, err
		}
		made++
		if t.FirstContact {
			continue
		}
		steps := []struct {
			who  staff.User
			act  ticket.Action
			gap  time.Duration
			prob int // percent of tickets old enough that reach this step
		}{
			{mgr, ticket.Action{Step: ticket.StepConfirm}, 3 * time.Hour, 95},
			{mgr, ticket.Action{Step: ticket.StepRoute, OrgUnitID: &agent.OrgUnitID, AssigneeID: &agent.ID, Note: "请尽快联系客户"}, 2 * time.Hour, 95},
			{agent, ticket.Action{Step: ticket.StepHandle, Resolution: x.resolution, RootCause: x.cause}, time.Duration(4+d.r.IntN(200)) * time.Hour, 85},
			{agent, ticket.Action{Step: ticket.StepFeedback, Feedback: x.resolution, FeedbackChannel: "phone"}, 20 * time.Hour, 90},
			{agent, ticket.Action{Step: ticket.StepOpinion, Opinion: d.pick([]string{"满意", "基本满意", "不满意，但接受处理结果"}), Satisfaction: ptr(2 + d.r.IntN(4))}, 2 * time.Hour, 90},
			{mgr, ticket.Action{Step: ticket.StepClose}, 24 * time.Hour, 95},
		}
		for _, s := range steps {
			next := d.at.Add(s.gap)
			if next.After(d.now) || d.r.IntN(100) >= s.prob {
				break
			}
			d.at = next
			cur, err := d.ticketSvc.Get(ctx, s.who.Actor("127.0.0.1"), t.ID)
			if err != nil {
				return made, err
			}
			if _, err := d.ticketSvc.Act(ctx, s.who.Actor("127.0.0.1"), t.ID, cur.Version, s.act); err != nil {
				return made, fmt.Errorf("%s %s: %w", t.Number, s.act.Step, err)
			}
		}
	}
	d.at = d.now
	return made, nil
}

func ptr[T any](v T) *T { return &v }

// surveys records phone follow-up surveys over the last months; low scores
// open complaints through the survey module's rule.
func (d *demoWork) surveys(ctx context.Context, tmpl survey.Template, n int) (int, error) {
	made := 0
	for i := 0; made < n && i < n*3; i++ {
		agent := d.agents[d.r.IntN(len(d.agents))]
		cs, err := d.someCustomers(ctx, agent, 30)
		if err != nil || len(cs) == 0 {
			continue
		}
		c := cs[d.r.IntN(len(cs))]
		d.at = d.now.Add(-time.Duration(d.r.IntN(120*24)) * time.Hour)
		a := agent.Actor("127.0.0.1")
		req, err := d.surveySvc.Send(ctx, a, c.ID, tmpl.ID, survey.ChannelPhone)
		if err != nil {
			return made, err
		}
		// Most customers are satisfied; a few are not (and get a complaint).
		base := 3 + d.r.IntN(3)
		if d.r.IntN(12) == 0 {
			base = 1
		}
		score := func(lo, hi int) string { return fmt.Sprint(min(max(base+d.r.IntN(3)-1, lo), hi)) }
		in := survey.Input{"overall": score(1, 5), "attitude": score(1, 5), "waiting": score(1, 5),
			"recommend": fmt.Sprint(min(max(base*2+d.r.IntN(3)-1, 0), 10))}
		if base == 1 {
			in["comment"] = "办理太慢，多次来回跑"
		}
		if _, err := d.surveySvc.Answer(ctx, a, c.ID, req.ID, in, ""); err != nil {
			return made, err
		}
		made++
	}
	d.at = d.now
	return made, nil
}

// followUps gives every agent's today page work: next actions due today,
// overdue ones, and some for the coming week.
func (d *demoWork) followUps(ctx context.Context) (int, error) {
	made := 0
	loc := d.a.Tasks.Loc
	if loc == nil {
		loc = time.UTC
	}
	for _, agent := range d.agents {
		cs, err := d.someCustomers(ctx, agent, 8)
		if err != nil {
			return made, err
		}
		for i, c := range cs {
			due := d.now.In(loc).AddDate(0, 0, []int{-3, -1, 0, 0, 0, 1, 2, 5}[i%8])
			in := &customer.Interaction{CustomerID: c.ID, Channel: d.pick([]string{"phone", "wechat", "visit"}), Direction: "out",
				Purpose: d.pick([]string{"follow_up", "sales", "care", "service"}), OccurredAt: d.now.Add(-time.Duration(24+d.r.IntN(200)) * time.Hour),
				Summary:    d.pick([]string{"电话沟通理财到期续作意向", "微信发送新产品介绍", "上门拜访了解经营情况", "提醒车辆保养到期"}),
				Outcome:    d.pick([]string{"有意向", "待考虑", "需再次联系"}),
				NextAction: d.pick([]string{"回电确认意向", "预约到店面谈", "发送产品资料", "确认保养时间"}), NextActionOn: due.Format(time.DateOnly)}
			if err := d.a.Customers.AddInteraction(ctx, agent.Actor("127.0.0.1"), in); err != nil {
				return made, err
			}
			made++
		}
	}
	return made, nil
}

// workLogs writes a week of logs and visit forms for the demo agent, the
// older ones submitted and reviewed by its manager.
func (d *demoWork) workLogs(ctx context.Context) error {
	agent, ok := d.users["agent"]
	if !ok {
		return nil
	}
	mgr := d.managerOf(agent)
	loc := d.a.Tasks.Loc
	if loc == nil {
		loc = time.UTC
	}
	for i := 6; i >= 0; i-- {
		day := d.now.In(loc).AddDate(0, 0, -i).Format(time.DateOnly)
		e := &worklog.Entry{Kind: "log", WorkOn: day, Content: "电话回访客户 12 户，整理到期理财名单，处理 1 件投诉反馈", Minutes: 480}
		if i%3 == 1 {
			e = &worklog.Entry{Kind: "visit", WorkOn: day, Destination: "西湖区文三路小微企业园", PersonVisited: "王经理",
				Contact: "0571-8888 6666", Purpose: "了解经营贷需求", Result: "客户有 50 万元流动资金需求，下周提交材料"}
		}
		a := agent.Actor("127.0.0.1")
		if err := d.a.WorkLogs.Create(ctx, a, e); err != nil {
			return err
		}
		if i == 0 {
			continue // today's stays a draft
		}
		sub, err := d.a.WorkLogs.Submit(ctx, a, e.ID, e.Version)
		if err != nil {
			return err
		}
		if i > 2 {
			if _, err := d.a.WorkLogs.Review(ctx, mgr.Actor("127.0.0.1"), e.ID, sub.Version, worklog.Approve, "已阅"); err != nil {
				return err
			}
		}
	}
	return nil
}

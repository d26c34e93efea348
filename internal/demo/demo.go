// Package demo generates a realistic, reproducible demo data set: an org tree
// of a Zhejiang bank with staff of every role, and customers with contacts,
// holdings, transactions and interactions. It does no I/O; the store loads
// what it produces. The same seed and size always give the same data, and
// customers are streamed in batches so a million never sit in memory.
package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/staff"
)

// Bundle is one customer with everything that hangs off it. Every id
// (customer, contact, holding, transaction, interaction) is assigned by the
// generator: customers are 1..N, children count up from 1 in stream order.
// Tags are in Customer.Tags.
type Bundle struct {
	Customer     customer.Customer
	Contacts     []customer.Contact
	Holdings     []customer.Holding
	Transactions []customer.Transaction
	Interactions []customer.Interaction
}

// Generator produces the demo data for one seed and size.
type Generator struct {
	Seed uint64
	N    int
	// Now is the reference date the history runs up to. New sets a fixed
	// date (2026-11-01) so output is reproducible; callers may move it
	// before streaming (the same seed, N and Now give the same data).
	Now time.Time

	units    []staff.OrgUnit
	users    []staff.User
	agents   []guanxi.ID
	managers []guanxi.ID // sub-branch managers, who keep a few customers themselves

	places     []place
	surnameCum []int
	industryCm []int
	idPerm     perm // index -> (district, birth date, sequence) of a 身份证
	mobilePerm perm // index -> mobile number
	orgPerm    perm // index -> 组织机构代码 body
	birthDays  int
}

// Fixed reference points of the generated history.
var (
	birthStart  = time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	birthEnd    = time.Date(2005, 12, 31, 0, 0, 0, 0, time.UTC)
	historyFrom = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	staffSince  = time.Date(2018, 6, 1, 1, 0, 0, 0, time.UTC)
	defaultNow  = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
)

// Well-known demo accounts (the rest have pinyin usernames).
const (
	UserAdmin   = "admin"
	UserManager = "manager" // manager of 杭州分行
	UserAgent   = "agent"   // first agent of 西湖支行零售一组
	UserCredit  = "credit"
	UserAuditor = "auditor"
)

// New returns a generator of n customers for seed.
func New(seed uint64, n int) *Generator {
	if n < 0 {
		n = 0
	}
	g := &Generator{Seed: seed, N: n, Now: defaultNow, places: buildPlaces()}
	sum := 0
	for _, s := range surnames {
		sum += s.weight
		g.surnameCum = append(g.surnameCum, sum)
	}
	sum = 0
	for _, w := range industryWeights {
		sum += w
		g.industryCm = append(g.industryCm, sum)
	}
	g.birthDays = int(birthEnd.Sub(birthStart).Hours()/24) + 1
	g.idPerm = newPerm(uint64(len(g.places))*uint64(g.birthDays)*100, seed^0x1d)
	g.mobilePerm = newPerm(uint64(len(mobilePrefixes))*100_000_000, seed^0x3b)
	g.orgPerm = newPerm(100_000_000, seed^0x5a)
	g.buildOrg()
	return g
}

// Org returns the org tree, parents before children, with ids 1.. and
// materialised paths.
func (g *Generator) Org() []staff.OrgUnit { return slices.Clone(g.units) }

// Staff returns the users with ids 1.. (no password hash: the loader sets it).
func (g *Generator) Staff() []staff.User { return slices.Clone(g.users) }

func newRand(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }

func (g *Generator) buildOrg() {
	r := newRand(g.Seed, 0x0_5747)
	at := staffSince
	addUnit := func(parent guanxi.ID, name string, kind staff.UnitKind) guanxi.ID {
		id := guanxi.ID(len(g.units) + 1)
		u := staff.OrgUnit{ID: id, Name: name, Kind: kind, Version: 1, CreatedAt: at, UpdatedAt: at}
		path := "/"
		if parent != 0 {
			p := parent
			u.ParentID = &p
			path = g.units[parent-1].Path
		}
		u.Path = path + strconv.FormatInt(id, 10) + "/"
		g.units = append(g.units, u)
		return id
	}
	taken := map[string]bool{}
	addUser := func(unit guanxi.ID, role guanxi.Role, username string) guanxi.ID {
		male := r.IntN(2) == 0
		name, py := g.personName(r, male, 1965+r.IntN(35))
		if username == "" {
			base := strings.ReplaceAll(py, " ", "")
			username = base
			for k := 2; taken[username]; k++ {
				username = base + strconv.Itoa(k)
			}
		}
		taken[username] = true
		id := guanxi.ID(len(g.users) + 1)
		g.users = append(g.users, staff.User{ID: id, Username: username, Name: name,
			Email: username + "@example.com", Role: role, OrgUnitID: unit,
			OrgUnitName: g.units[unit-1].Name, OrgPath: g.units[unit-1].Path,
			PasswordChangedAt: at, Lang: "zh-CN", Version: 1, CreatedAt: at, UpdatedAt: at})
		return id
	}
	head := addUnit(0, "总行", "head_office")
	depts := map[string]guanxi.ID{}
	for _, name := range headDepartments {
		depts[name] = addUnit(head, name, "department")
	}
	addUser(depts["信息科技部"], guanxi.RoleAdmin, UserAdmin)
	addUser(depts["信息科技部"], guanxi.RoleAdmin, "")
	addUser(depts["审计部"], guanxi.RoleAuditor, UserAuditor)
	addUser(depts["审计部"], guanxi.RoleAuditor, "")
	addUser(depts["风险管理部"], guanxi.RoleCredit, UserCredit)
	addUser(depts["风险管理部"], guanxi.RoleCredit, "")
	addUser(depts["个人金融部"], guanxi.RoleManager, "")

	teams := len(branchNames) * len(branchNames[0].subs) * len(teamNames)
	perTeam := min(max((g.N+teams*1000-1)/(teams*1000), 2), 60)
	for bi, b := range branchNames {
		branch := addUnit(head, b.name, "branch")
		mgr := ""
		if bi == 0 {
			mgr = UserManager
		}
		addUser(branch, guanxi.RoleManager, mgr)
		credit := addUnit(branch, strings.TrimSuffix(b.name, "分行")+"信贷审批部", "department")
		addUser(credit, guanxi.RoleCredit, "")
		addUser(credit, guanxi.RoleCredit, "")
		for _, sub := range b.subs {
			sb := addUnit(branch, sub, "sub_branch")
			g.managers = append(g.managers, addUser(sb, guanxi.RoleManager, ""))
			for _, tn := range teamNames {
				team := addUnit(sb, strings.TrimSuffix(sub, "支行")+tn, "team")
				for k := 0; k < perTeam; k++ {
					name := ""
					if len(g.agents) == 0 {
						name = UserAgent
					}
					g.agents = append(g.agents, addUser(team, guanxi.RoleAgent, name))
				}
			}
		}
	}
}

// personName picks a surname by population share and a given name fitting
// the gender and generation; it returns the name and its pinyin.
func (g *Generator) personName(r *rand.Rand, male bool, year int) (string, string) {
	s := surnames[sort.SearchInts(g.surnameCum, r.IntN(g.surnameCum[len(g.surnameCum)-1])+1)]
	chars := femaleChars
	classic := classicFemale
	if male {
		chars, classic = maleChars, classicMale
	}
	var given []char
	switch x := r.IntN(100); {
	case year < 1975 && x < 25:
		given = []char{classic[r.IntN(len(classic))]}
	case x < 22:
		given = []char{chars[r.IntN(len(chars))]}
	default:
		a, b := chars[r.IntN(len(chars))], chars[r.IntN(len(chars))]
		for b == a {
			b = chars[r.IntN(len(chars))]
		}
		given = []char{a, b}
	}
	name, py := s.name, s.pinyin
	for _, c := range given {
		name += c.c
		py += " " + c.py
	}
	return name, py
}

// mobile returns the unique mobile number for slot k (customer i uses 4i,
// its contacts 4i+1..4i+3).
func (g *Generator) mobile(k int) string {
	x := g.mobilePerm.at(uint64(k))
	return mobilePrefixes[x/100_000_000] + fmt.Sprintf("%08d", x%100_000_000)
}

// residentID returns customer i's unique 身份证 number, its district and
// the holder's sex.
func (g *Generator) residentID(i int) (string, *place, time.Time, bool) {
	x := g.idPerm.at(uint64(i))
	male := x%2 == 1
	c := int(x / 2 % 50)
	day := int(x / 100 % uint64(g.birthDays))
	pl := &g.places[x/100/uint64(g.birthDays)]
	birth := birthStart.AddDate(0, 0, day)
	seq := pl.rep*100 + c*2
	if male {
		seq++
	}
	first := pl.dist.code + birth.Format("20060102") + fmt.Sprintf("%03d", seq)
	return first + string(customer.ResidentCheckDigit(first)), pl, birth, male
}

// uscc returns an organisation's 统一社会信用代码: registering authority 9
// (market regulation), type 1 (company) or 3 (farmers' cooperative), the
// district code, the 9-character 组织机构代码 and the check character.
func (g *Generator) uscc(i int, district string, coop bool) string {
	body := fmt.Sprintf("%08d", g.orgPerm.at(uint64(i)%100_000_000))
	w := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for k := 0; k < 8; k++ {
		sum += int(body[k]-'0') * w[k]
	}
	check := "0123456789X0"[11-sum%11]
	typ := "1"
	if coop {
		typ = "3"
	}
	first := "9" + typ + district + body + string(check)
	return first + string(customer.USCCCheckChar(first))
}

// Customers streams the customers in batches of batch to fn. Each customer
// draws from its own PCG stream (seed, index), so the data do not depend on
// the batch size. fn may keep the slice.
func (g *Generator) Customers(batch int, fn func([]Bundle) error) error {
	if batch <= 0 {
		batch = 1000
	}
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	var ids childIDs
	out := make([]Bundle, 0, min(batch, g.N))
	for i := 0; i < g.N; i++ {
		pcg.Seed(g.Seed, uint64(i)|1<<40)
		out = append(out, g.bundle(r, i, &ids))
		if len(out) == batch {
			if err := fn(out); err != nil {
				return err
			}
			out = make([]Bundle, 0, batch)
		}
	}
	if len(out) > 0 {
		return fn(out)
	}
	return nil
}

type childIDs struct{ contact, holding, txn, interaction guanxi.ID }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func pct(r *rand.Rand, p int) bool { return r.IntN(100) < p }

// between returns a time in [from, to) truncated to the second.
func between(r *rand.Rand, from, to time.Time) time.Time {
	if !to.After(from) {
		return from
	}
	return from.Add(time.Duration(r.Int64N(int64(to.Sub(from)/time.Second))) * time.Second)
}

const dateFmt = "2006-01-02"

func (g *Generator) industry(r *rand.Rand) string {
	return customer.Industries[sort.SearchInts(g.industryCm, r.IntN(g.industryCm[len(g.industryCm)-1])+1)]
}

func (g *Generator) bundle(r *rand.Rand, i int, ids *childIDs) Bundle {
	now := g.Now
	span := now.AddDate(0, 0, -7).Sub(historyFrom)
	step := span / time.Duration(max(g.N, 1))
	created := historyFrom.Add(step * time.Duration(i)).Add(time.Duration(r.Int64N(int64(max(step, time.Second))))).Truncate(time.Second)
	c := customer.Customer{ID: guanxi.ID(i + 1), Number: fmt.Sprintf("KH%08d", i+1), Version: 1,
		CreatedAt: created, Custom: map[string]any{}}
	if pct(r, 97) || len(g.managers) == 0 {
		c.OwnerID = g.agents[r.IntN(len(g.agents))]
	} else {
		c.OwnerID = pick(r, g.managers)
	}
	owner := c.OwnerID
	c.CreatedBy = &owner

	var pl *place
	var pyCompact string
	org := pct(r, 12)
	if !org {
		id, p, birth, male := g.residentID(i)
		pl = p
		c.Kind, c.IDType, c.IDNumber = customer.Person, customer.IDResident, id
		c.Birthday = birth.Format(dateFmt)
		c.Gender = "female"
		if male {
			c.Gender = "male"
		}
		c.Name, c.NamePinyin = g.personName(r, male, birth.Year())
		c.LunarBirthday = (birth.Year() < 1970 && pct(r, 30)) || pct(r, 4)
		c.Market = customer.MarketPersonal
		c.Industry = g.industry(r)
		if pct(r, 28) {
			c.Market = customer.MarketAgri
			if pct(r, 70) {
				c.Industry = "agriculture"
			}
		}
		if pct(r, 95) {
			c.Mobile = g.mobile(4 * i)
		}
		pyCompact = strings.ReplaceAll(c.NamePinyin, " ", "")
		if pct(r, 30) {
			if pct(r, 40) {
				c.Email = strconv.Itoa(10000000+r.IntN(2000000000)) + "@qq.com"
			} else {
				c.Email = pyCompact + strconv.Itoa(birth.Year()%100+r.IntN(100)*100) + "@" + pick(r, []string{"163.com", "126.com", "sina.com", "outlook.com", "qq.com"})
			}
		}
		switch x := r.IntN(100); {
		case x < 10 && c.Mobile != "":
			c.WeChat = c.Mobile
		case x < 45:
			w := pyCompact
			if len(w) > 12 {
				w = w[:12]
			}
			c.WeChat = w + "_" + strconv.Itoa(1000+r.IntN(9000))
		}
		if pct(r, 12) {
			c.Phone = g.landline(r, pl)
		}
	} else {
		pl = &g.places[r.IntN(len(g.places))]
		coop := pct(r, 22)
		c.Kind, c.IDType = customer.Org, customer.IDUSCC
		c.IDNumber = g.uscc(i, pl.dist.code, coop)
		trade := pick(r, tradeNames)
		if coop {
			c.Market, c.Industry = customer.MarketAgri, "agriculture"
			w := pick(r, industryWords["agriculture"])
			c.Name = pl.prov.short + trade.c + w.c + "专业合作社"
			c.NamePinyin = pl.prov.pinyin + " " + trade.py + " " + w.py + " zhuan ye he zuo she"
		} else {
			c.Market, c.Industry = customer.MarketCorporate, g.industry(r)
			w := pick(r, industryWords[c.Industry])
			c.Name = pl.prov.short + trade.c + w.c + "有限公司"
			c.NamePinyin = pl.prov.pinyin + " " + trade.py + " " + w.py + " you xian gong si"
		}
		if pct(r, 60) {
			c.Mobile = g.mobile(4 * i)
		}
		if pct(r, 85) {
			c.Phone = g.landline(r, pl)
		}
		if pct(r, 50) {
			c.Email = "info@" + strings.ReplaceAll(trade.py, " ", "") + strconv.Itoa(i) + ".com.cn"
		}
	}
	c.Province, c.City, c.District = pl.prov.name, pl.city.name, pl.dist.name
	c.Address = pl.dist.name + pick(r, streets) + strconv.Itoa(1+r.IntN(300)) + "号"
	if c.Kind == customer.Person && pct(r, 60) {
		c.Address += fmt.Sprintf("%s%d幢%d单元%d%02d室", pick(r, estates), 1+r.IntN(30), 1+r.IntN(4), 1+r.IntN(28), 1+r.IntN(4))
	}
	c.Source = pick(r, sources)
	switch x := r.IntN(100); {
	case x < 25:
		c.Stage = customer.StageProspect
	case x < 80:
		c.Stage = customer.StageCustomer
		c.Grade = pick(r, []string{"A", "B", "B", "C", "C", "C", "D"})
	case x < 92:
		c.Stage = customer.StageDormant
	default:
		c.Stage = customer.StageLost
	}
	for _, t := range tagPool {
		if pct(r, 6) {
			c.Tags = append(c.Tags, t)
		}
	}
	slices.Sort(c.Tags)
	c.Consent = map[string]bool{"sms": pct(r, 70), "phone": pct(r, 60), "wechat": pct(r, 50), "email": pct(r, 30)}
	if pct(r, 10) {
		c.Notes = pick(r, []string{"客户偏好上午联系", "关注子女教育金规划", "经营水果批发生意", "老客户，合作十年以上", "对利率较敏感", "需要上门服务"})
	}

	b := Bundle{}
	if c.Kind == customer.Org {
		for j := range 1 + r.IntN(3) {
			male := pct(r, 55)
			name, _ := g.personName(r, male, 1960+r.IntN(40))
			ids.contact++
			ct := customer.Contact{ID: ids.contact, CustomerID: c.ID, Name: name, Title: contactTitles[r.IntN(len(contactTitles))],
				Mobile: g.mobile(4*i + 1 + j), IsPrimary: j == 0, Version: 1, CreatedAt: created, UpdatedAt: created}
			if pct(r, 30) {
				ct.Phone = c.Phone
			}
			b.Contacts = append(b.Contacts, ct)
		}
	}
	g.holdings(r, &c, &b, ids, pl)
	g.interactions(r, &c, &b, ids)
	c.UpdatedAt = between(r, created, now)
	if c.LastContactAt != nil && c.LastContactAt.After(c.UpdatedAt) {
		c.UpdatedAt = *c.LastContactAt
	}
	b.Customer = c
	return b
}

func (g *Generator) landline(r *rand.Rand, pl *place) string {
	return pl.city.area + "-" + strconv.Itoa(2+r.IntN(7)) + fmt.Sprintf("%07d", r.IntN(10_000_000))
}

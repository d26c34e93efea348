package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// Relative weights of holding kinds, in the order of customer.HoldingKinds
// (vehicle, loan, deposit, subscription, property, policy, other).
var (
	personKinds = []int{18, 18, 30, 10, 8, 12, 4}
	orgKinds    = []int{5, 35, 30, 25, 3, 2, 0}
)

func weighted(r *rand.Rand, w []int) int {
	sum := 0
	for _, x := range w {
		sum += x
	}
	n := r.IntN(sum)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}

func yuan(y int64) int64 { return y * 100 }

func (g *Generator) holdings(r *rand.Rand, c *customer.Customer, b *Bundle, ids *childIDs, pl *place) {
	now := g.Now
	var n int
	switch {
	case c.Stage == customer.StageProspect:
		n = r.IntN(2)
	case c.Kind == customer.Org:
		n = 1 + r.IntN(4)
	default:
		n = []int{0, 1, 1, 1, 2, 2, 3, 4}[r.IntN(8)]
	}
	weights := personKinds
	if c.Kind == customer.Org {
		weights = orgKinds
	}
	for range n {
		kind := customer.HoldingKinds[weighted(r, weights)]
		opened := between(r, c.CreatedAt, now.AddDate(0, 0, -1))
		ids.holding++
		h := customer.Holding{ID: ids.holding, CustomerID: c.ID, Kind: kind, Currency: "CNY",
			OpenedOn: opened.Format(dateFmt), Version: 1, CreatedAt: opened, UpdatedAt: opened}
		var txns []customer.Transaction
		txn := func(kind string, at time.Time, minor int64, desc string) {
			if at.After(now) || at.Before(opened) {
				return
			}
			ids.txn++
			hid := h.ID
			owner := c.OwnerID
			txns = append(txns, customer.Transaction{ID: ids.txn, CustomerID: c.ID, HoldingID: &hid, Kind: kind,
				AmountMinor: minor, Currency: "CNY", OccurredAt: at, Description: desc, CreatedBy: &owner,
				CreatedAt: at, Version: 1})
		}
		switch kind {
		case "vehicle":
			m := pick(r, carModels)
			h.Name, h.Model = m.brand+" "+m.model, m.model
			h.Reference = vin(r, m.wmi, opened.Year())
			price := int64(m.price) * 10000 * int64(90+r.IntN(21)) / 100 / 100 * 100
			h.AmountMinor = yuan(price)
			h.Status = "in_use"
			h.Attrs = map[string]any{"plate": plate(r, pl), "color": pick(r, carColors), "year": opened.Year()}
			txn("purchase", opened, h.AmountMinor, "购车 "+h.Name)
			for t := opened.AddDate(0, 6+r.IntN(6), 0); t.Before(now); t = t.AddDate(1, 0, r.IntN(30)) {
				txn("service", t, yuan(int64(300+r.IntN(1700))), "车辆保养")
			}
		case "loan":
			var p loanProduct
			for {
				p = pick(r, loanProducts)
				if (p.market == "" && c.Kind == customer.Person) || p.market == string(c.Market) {
					break
				}
			}
			term := p.minTerm + r.IntN(p.maxTerm-p.minTerm+1)
			term -= term % 12
			if term == 0 {
				term = 12
			}
			wan := int64(p.minWan + r.IntN(p.maxWan-p.minWan+1))
			h.Name, h.Model = p.name, p.name
			h.Reference = "LN" + opened.Format("20060102") + fmt.Sprintf("%08d", r.IntN(100_000_000))
			h.AmountMinor = yuan(wan * 10000)
			due := opened.AddDate(0, term, 0)
			h.DueOn = due.Format(dateFmt)
			months := int(now.Sub(opened).Hours() / 24 / 30)
			attrs := map[string]any{"rate": p.rate, "term_months": term,
				"repayment": pick(r, []string{"等额本息", "等额本金", "按月付息到期还本"})}
			switch {
			case due.Before(now) || pct(r, 8):
				h.Status, h.BalanceMinor = "closed", 0
			case pct(r, 5):
				h.Status = "overdue"
				attrs["overdue_days"] = 1 + r.IntN(120)
				h.BalanceMinor = h.AmountMinor * int64(term-min(months, term-1)) / int64(term)
			default:
				h.Status = "normal"
				h.BalanceMinor = h.AmountMinor * int64(term-min(months, term-1)) / int64(term)
			}
			h.Attrs = attrs
			monthly := h.AmountMinor / int64(term)
			for k := 1; k <= min(months, 3); k++ {
				txn("repayment", now.AddDate(0, -k, -r.IntN(5)), monthly, "贷款还款 "+h.Reference[len(h.Reference)-4:])
			}
		case "deposit":
			if c.Kind == customer.Org {
				h.Name = pick(r, []string{"单位活期存款", "单位定期存款"})
				h.Reference = "3301" + fmt.Sprintf("%016d", r.Int64N(1e16))
			} else {
				w := make([]int, len(depositProducts))
				for k, d := range depositProducts {
					w[k] = d.ratio
				}
				d := depositProducts[weighted(r, w)]
				h.Name = d.name
				h.Reference = luhn("623091" + fmt.Sprintf("%012d", r.Int64N(1e12)))
				h.Attrs = map[string]any{"rate": d.rate, "term_months": d.term}
				if d.term > 0 {
					h.DueOn = opened.AddDate(0, d.term, 0).Format(dateFmt)
				}
			}
			h.Model = h.Name
			amount := int64(1000*pow10(r.Float64()*3)) / 100 * 100
			if c.Kind == customer.Org {
				amount *= 20
			}
			h.AmountMinor = yuan(amount)
			if h.DueOn != "" && h.DueOn < now.Format(dateFmt) && pct(r, 50) {
				h.Status = "closed"
			} else {
				h.Status = "active"
				h.BalanceMinor = h.AmountMinor
			}
			txn("deposit", opened, h.AmountMinor, "存入 "+h.Name)
			if h.Status == "closed" {
				txn("withdrawal", between(r, opened, now), h.AmountMinor, "到期支取")
			}
		case "subscription":
			cn := pick(r, contractNames)
			h.Name, h.Model = cn.name, cn.model
			h.Reference = "HT" + opened.Format("2006") + fmt.Sprintf("%06d", r.IntN(1_000_000))
			due := opened.AddDate(1+r.IntN(3), 0, 0)
			h.DueOn = due.Format(dateFmt)
			h.Status = "active"
			if due.Before(now) {
				h.Status = "expired"
			}
			if pct(r, 40) {
				h.AmountMinor = yuan(int64(100 * (1 + r.IntN(50))))
				txn("payment", opened, h.AmountMinor, "服务费 "+h.Name)
			}
		case "property":
			estate := pick(r, estates)
			h.Name = fmt.Sprintf("%s%s%d幢%d单元%d%02d室", pl.city.name, estate, 1+r.IntN(30), 1+r.IntN(4), 1+r.IntN(28), 1+r.IntN(4))
			usage := pick(r, []string{"住宅", "住宅", "住宅", "住宅", "商铺", "车位"})
			h.Model = usage
			area := 60 + r.IntN(120)
			if usage == "车位" {
				area = 12 + r.IntN(4)
			}
			h.Reference = fmt.Sprintf("%s(%d)%s不动产权第%07d号", plateChars[pl.prov.short], opened.Year(), pl.city.name, r.IntN(10_000_000))
			perSqm := int64(8000 + r.IntN(40000))
			h.AmountMinor = yuan(int64(area) * perSqm / 1000 * 1000)
			h.Status = "held"
			h.Attrs = map[string]any{"area_sqm": area, "usage": usage, "rooms": 1 + r.IntN(4)}
			txn("payment", opened, h.AmountMinor*3/10, "购房首付")
		case "policy":
			p := pick(r, policyProducts)
			h.Name, h.Model = p.name, p.model
			h.Reference = "P" + opened.Format("2006") + fmt.Sprintf("%012d", r.Int64N(1e12))
			h.AmountMinor = yuan(int64(p.minYuan + r.IntN(p.maxYuan-p.minYuan+1)))
			years := 1
			if p.model == "寿险" || p.model == "重疾险" {
				years = 20 + r.IntN(11)
			}
			due := opened.AddDate(years, 0, 0)
			h.DueOn = due.Format(dateFmt)
			h.Status = "active"
			if due.Before(now) {
				h.Status = "expired"
			}
			h.Attrs = map[string]any{"insurer": pick(r, insurers), "sum_insured": h.AmountMinor / 100 * int64(20+r.IntN(200))}
			txn("payment", opened, h.AmountMinor, "保费 "+h.Model)
		default: // other
			o := pick(r, otherProducts)
			h.Name, h.Model = o.name, o.model
			h.Reference = "QT" + fmt.Sprintf("%010d", r.Int64N(1e10))
			h.Status = "active"
			h.AmountMinor = yuan(int64(100 * (1 + r.IntN(200))))
			txn("purchase", opened, h.AmountMinor, o.name)
		}
		if h.Attrs == nil {
			h.Attrs = map[string]any{}
		}
		h.UpdatedAt = between(r, opened, now)
		b.Holdings = append(b.Holdings, h)
		b.Transactions = append(b.Transactions, txns...)
	}
	// A few transactions that belong to no holding.
	for range r.IntN(3) {
		at := between(r, c.CreatedAt, now)
		kind := pick(r, []string{"service", "payment", "discount", "return", "other"})
		ids.txn++
		owner := c.OwnerID
		b.Transactions = append(b.Transactions, customer.Transaction{ID: ids.txn, CustomerID: c.ID, Kind: kind,
			AmountMinor: yuan(int64(5 + r.IntN(500))), Currency: "CNY", OccurredAt: at,
			Description: map[string]string{"service": "跨行汇款手续费", "payment": "代缴水电费", "discount": "积分抵扣",
				"return": "手续费退还", "other": "其他"}[kind], CreatedBy: &owner, CreatedAt: at, Version: 1})
	}
}

func (g *Generator) interactions(r *rand.Rand, c *customer.Customer, b *Bundle, ids *childIDs) {
	channels := []string{"phone", "sms", "email", "wechat", "visit", "store_visit", "letter", "other"}
	weights := []int{30, 15, 4, 20, 10, 15, 2, 4}
	n := r.IntN(6)
	times := make([]time.Time, n)
	for k := range times {
		times[k] = between(r, c.CreatedAt, g.Now)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	for _, at := range times {
		ch := channels[weighted(r, weights)]
		// Customers walk in, call, write and message; staff visit, send
		// texts and letters.
		dir := "out"
		switch ch {
		case "store_visit":
			dir = "in"
		case "phone", "wechat", "email":
			if pct(r, 20) {
				dir = "in"
			}
		}
		ids.interaction++
		staffID := guanxi.ID(c.OwnerID)
		in := customer.Interaction{ID: ids.interaction, CustomerID: c.ID, Channel: ch, Direction: dir,
			OccurredAt: at, Summary: pick(r, interactionTexts[ch]), Outcome: pick(r, outcomes),
			StaffID: &staffID, Version: 1, CreatedAt: at}
		if pct(r, 25) {
			in.NextAction = pick(r, nextActions)
			in.NextActionOn = at.AddDate(0, 0, 3+r.IntN(12)).Format(dateFmt)
		}
		b.Interactions = append(b.Interactions, in)
		t := at
		c.LastContactAt = &t
	}
}

func pow10(x float64) float64 {
	v := 1.0
	for x >= 1 {
		v *= 10
		x--
	}
	// linear interpolation inside the last decade is enough for a spread
	return v * (1 + 9*x)
}

// vinChars is the VIN alphabet (no I, O, Q).
const vinChars = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"

// vin builds a 17-character VIN with a valid ISO 3779 check digit.
func vin(r *rand.Rand, wmi string, year int) string {
	b := []byte(wmi)
	for range 5 {
		b = append(b, vinChars[10+r.IntN(len(vinChars)-10)])
	}
	b = append(b, '0')
	years := "ABCDEFGHJKLMNPRSTVWXY"
	b = append(b, years[(year-2010+len(years))%len(years)])
	b = append(b, vinChars[10+r.IntN(len(vinChars)-10)])
	b = append(b, fmt.Sprintf("%06d", r.IntN(1_000_000))...)
	weights := [17]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}
	sum := 0
	for k, ch := range b {
		sum += vinValue(ch) * weights[k]
	}
	if m := sum % 11; m == 10 {
		b[8] = 'X'
	} else {
		b[8] = byte('0' + m)
	}
	return string(b)
}

func vinValue(ch byte) int {
	if ch >= '0' && ch <= '9' {
		return int(ch - '0')
	}
	const values = "12345678.12345.7.923456789" // A..Z; I, O, Q are not used
	return int(values[ch-'A'] - '0')
}

// luhn appends the Luhn check digit (bank card numbers).
func luhn(s string) string {
	sum := 0
	for k := 0; k < len(s); k++ {
		dgt := int(s[len(s)-1-k] - '0')
		if k%2 == 0 {
			dgt *= 2
			if dgt > 9 {
				dgt -= 9
			}
		}
		sum += dgt
	}
	return s + strconv.Itoa((10-sum%10)%10)
}

func plate(r *rand.Rand, pl *place) string {
	const letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	city := "A"
	if pl.prov.short == "浙江" {
		city = map[string]string{"杭州市": "A", "宁波市": "B", "温州市": "C", "绍兴市": "D", "嘉兴市": "F", "金华市": "G", "台州市": "J"}[pl.city.name]
	}
	b := []byte(plateChars[pl.prov.short] + city + "·")
	for k := range 5 {
		if k < 2 && pct(r, 30) {
			b = append(b, letters[r.IntN(len(letters))])
		} else {
			b = append(b, byte('0'+r.IntN(10)))
		}
	}
	return string(b)
}

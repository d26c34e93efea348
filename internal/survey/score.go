package survey

// Scoring rules. They are applied once, when an answer is submitted, and
// stored with each value so reports only count.
//
//   - CSAT (满意度) items are scale_5 and scale_10. An answer is satisfied at
//     4–5 of 5 or 8–10 of 10 ("top-2 box" on 5 points, the same 80 % cut on
//     10). CSAT of an item = satisfied answers ÷ answers of that item; CSAT
//     overall = satisfied ÷ answers over every CSAT item pooled.
//   - NPS (客户推荐度) items are 0–10: promoters 9–10, passives 7–8,
//     detractors 0–6. NPS = % promoters − % detractors, from −100 to 100.
//   - Every scored item is normalised to 0–100 (lowest to highest point).
//     An answer's score is its lowest normalised item score; below the
//     threshold setting it is a low score and opens one complaint.
//   - yes/no, choice and text items are recorded and listed, not scored.

// Satisfied reports whether score counts as satisfied for a CSAT item;
// ok is false for items that are not CSAT items.
func Satisfied(t ItemType, score int) (sat, ok bool) {
	switch t {
	case Scale5:
		return score >= 4, true
	case Scale10:
		return score >= 8, true
	}
	return false, false
}

// NPS classes.
const (
	Detractor = -1
	Passive   = 0
	Promoter  = 1
)

// NPSClassOf classifies a 0–10 recommendation score.
func NPSClassOf(score int) int {
	switch {
	case score >= 9:
		return Promoter
	case score >= 7:
		return Passive
	}
	return Detractor
}

// Normalise maps a score of a scored type to 0–100.
func Normalise(t ItemType, score int) float64 {
	lo, hi := t.Range()
	if hi == lo {
		return 0
	}
	return float64(score-lo) * 100 / float64(hi-lo)
}

// derive fills Satisfied and NPSClass of each value and returns the answer's
// score (lowest normalised) and the value that set it.
func derive(values []Value) (score *float64, lowest *Value) {
	for i := range values {
		v := &values[i]
		v.Satisfied, v.NPSClass = nil, nil
		if v.Score == nil || !v.Type.Scored() {
			continue
		}
		if sat, ok := Satisfied(v.Type, *v.Score); ok {
			v.Satisfied = &sat
		}
		if v.Type == NPS {
			c := NPSClassOf(*v.Score)
			v.NPSClass = &c
		}
		n := Normalise(v.Type, *v.Score)
		if score == nil || n < *score {
			s := n
			score, lowest = &s, v
		}
	}
	return score, lowest
}

// Tally counts answers for CSAT and NPS.
type Tally struct {
	Scored     int64 `db:"scored"`     // CSAT answers
	Satisfied  int64 `db:"satisfied"`  // of which satisfied
	NPSN       int64 `db:"nps_n"`      // NPS answers
	Promoters  int64 `db:"promoters"`  // 9–10
	Detractors int64 `db:"detractors"` // 0–6
	ScoreSum   int64 `db:"score_sum"`  // raw scores, for the average
	ScoreN     int64 `db:"score_n"`
	YesN       int64 `db:"yes_n"` // yes/no answers
	Yes        int64 `db:"yes"`   // of which yes
}

// Add accumulates o into t.
func (t *Tally) Add(o Tally) {
	t.Scored += o.Scored
	t.Satisfied += o.Satisfied
	t.NPSN += o.NPSN
	t.Promoters += o.Promoters
	t.Detractors += o.Detractors
	t.ScoreSum += o.ScoreSum
	t.ScoreN += o.ScoreN
	t.YesN += o.YesN
	t.Yes += o.Yes
}

// CSAT is the satisfied share in percent; ok is false without answers.
func (t Tally) CSAT() (pct float64, ok bool) {
	if t.Scored == 0 {
		return 0, false
	}
	return float64(t.Satisfied) * 100 / float64(t.Scored), true
}

// NPS is % promoters − % detractors; ok is false without answers.
func (t Tally) NPS() (nps float64, ok bool) {
	if t.NPSN == 0 {
		return 0, false
	}
	return float64(t.Promoters-t.Detractors) * 100 / float64(t.NPSN), true
}

// YesShare is the share of yes answers in percent; ok is false without answers.
func (t Tally) YesShare() (float64, bool) {
	if t.YesN == 0 {
		return 0, false
	}
	return float64(t.Yes) * 100 / float64(t.YesN), true
}

// Mean is the average raw score; ok is false without answers.
func (t Tally) Mean() (float64, bool) {
	if t.ScoreN == 0 {
		return 0, false
	}
	return float64(t.ScoreSum) / float64(t.ScoreN), true
}

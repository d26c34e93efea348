package customer

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
)

// DupReason is why two customers look like one (the strongest rule they meet).
type DupReason string

const (
	ReasonIDNumber     DupReason = "id_number"     // the same ID number, written differently
	ReasonMobile       DupReason = "mobile"        // one's mobile is the other's phone or a contact's mobile
	ReasonPhone        DupReason = "phone"         // the same landline
	ReasonNameBirthday DupReason = "name_birthday" // the same name and birthday
	ReasonPhoneName    DupReason = "phone_name"    // a shared phone and a similar name
	ReasonImport       DupReason = "import"        // flagged by an import
)

// DupReasons lists the reasons, for filters.
var DupReasons = []DupReason{ReasonIDNumber, ReasonPhoneName, ReasonNameBirthday, ReasonMobile, ReasonPhone, ReasonImport}

// Pair statuses in the review queue.
const (
	DupOpen      = "open"
	DupDismissed = "dismissed"
	DupMerged    = "merged"
)

// DupFacts are the fields the duplicate rules compare. Phones and ID
// numbers are plaintext: the facts never leave the process.
type DupFacts struct {
	ID         guanxi.ID `db:"id"`
	Name       string    `db:"name"`
	NamePinyin string    `db:"name_pinyin"`
	Birthday   string    `db:"birthday"`
	IDNumber   string    `db:"id_number"`
	Mobile     string    `db:"mobile"`
	Phone      string    `db:"phone"`
}

// Match is what two customers share.
type Match struct {
	IDNumber    bool // same ID key (IDKey)
	Mobile      bool // a mobile equals the other's phone, or a contact's mobile
	Phone       bool // the same landline
	Name        bool // the same name
	NameSimilar bool // the same name, the same pinyin, or one character apart with the same surname
	Birthday    bool
}

// IDKey canonicalises an ID number for comparison: upper case, no spaces,
// and an 18-character number of the 1900s reduced to the 15-digit form it
// replaced (area + YYMMDD + sequence), so an old 15-digit ID and its 18-digit
// successor, or two numbers differing only in the check character, meet.
// The store keeps its blind index (id_key_bidx) for the duplicate scan.
func IDKey(s string) string {
	k := strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	if len(k) == 18 && k[6:8] == "19" {
		return k[:6] + k[8:17]
	}
	return k
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// phoneKey compares landlines without their dashes.
func phoneKey(s string) string { return strings.ReplaceAll(s, "-", "") }

// Compare says what a and b share; viaContact is true when a contact's
// mobile of one equals the other's mobile (the facts do not carry contacts).
func Compare(a, b DupFacts, viaContact bool) Match {
	m := Match{Mobile: viaContact}
	if a.IDNumber != "" && b.IDNumber != "" && IDKey(a.IDNumber) == IDKey(b.IDNumber) {
		m.IDNumber = true
	}
	if (a.Mobile != "" && a.Mobile == b.Phone) || (b.Mobile != "" && b.Mobile == a.Phone) {
		m.Mobile = true
	}
	if a.Phone != "" && phoneKey(a.Phone) == phoneKey(b.Phone) {
		m.Phone = true
	}
	m.Name = a.Name != "" && a.Name == b.Name
	m.NameSimilar = m.Name || SimilarName(a.Name, a.NamePinyin, b.Name, b.NamePinyin)
	m.Birthday = a.Birthday != "" && a.Birthday == b.Birthday
	return m
}

// SimilarName reports whether two names are the same person's name written
// differently: equal pinyin (同音字), or one character apart with the same
// surname (a typo in the given name).
func SimilarName(a, pa, b, pb string) bool {
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	if x, y := compactPinyin(pa), compactPinyin(pb); x != "" && x == y {
		return true
	}
	ra, rb := []rune(a), []rune(b)
	if len(ra) < 2 || len(rb) < 2 || ra[0] != rb[0] {
		return false
	}
	return editDistanceAtMostOne(ra, rb)
}

func compactPinyin(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, " ", ""))
}

func editDistanceAtMostOne(a, b []rune) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		return i == len(a) || slices.Equal(a[i+1:], b[i+1:])
	}
	return slices.Equal(a[i:], b[i+1:])
}

// Reason is the strongest rule the pair meets; ok is false when it meets
// none (a shared phone of a switchboard with unrelated names still counts
// as phone: the review decides).
func (m Match) Reason() (DupReason, bool) {
	switch {
	case m.IDNumber:
		return ReasonIDNumber, true
	case (m.Mobile || m.Phone) && m.NameSimilar:
		return ReasonPhoneName, true
	case m.Name && m.Birthday:
		return ReasonNameBirthday, true
	case m.Mobile:
		return ReasonMobile, true
	case m.Phone:
		return ReasonPhone, true
	}
	return "", false
}

// Score weighs the fields that agree, 0–100.
func (m Match) Score() int {
	s := 0
	if m.IDNumber {
		s += 50
	}
	if m.Mobile {
		s += 25
	}
	if m.Phone {
		s += 15
	}
	if m.Name {
		s += 20
	} else if m.NameSimilar {
		s += 10
	}
	if m.Birthday {
		s += 15
	}
	return min(s, 100)
}

// PairSide is one customer of a pair as the review shows it. Sensitive
// values are plaintext here; every surface masks them.
type PairSide struct {
	ID           guanxi.ID `db:"id"`
	Number       string    `db:"number"`
	Kind         Kind      `db:"kind"`
	Name         string    `db:"name"`
	Birthday     string    `db:"birthday"`
	IDNumber     string    `db:"id_number"`
	Mobile       string    `db:"mobile"`
	Phone        string    `db:"phone"`
	OwnerID      guanxi.ID `db:"owner_id"`
	OwnerName    string    `db:"owner_name"`
	CreatedAt    time.Time `db:"created_at"`
	Version      int64     `db:"version"`
	Holdings     int64     `db:"holdings"`
	Interactions int64     `db:"interactions"`
	Tickets      int64     `db:"tickets"`
}

// Mask returns a copy with the ID number and phones masked.
func (p PairSide) Mask() PairSide {
	p.IDNumber, p.Mobile, p.Phone = MaskIDNumber(p.IDNumber), MaskPhone(p.Mobile), MaskPhone(p.Phone)
	return p
}

// DuplicatePair is one entry of the review queue, lower id first.
type DuplicatePair struct {
	ID        guanxi.ID
	Reason    DupReason
	Score     int
	Source    string // scan or import
	ImportID  *guanxi.ID
	Status    string
	DecidedBy *guanxi.ID
	DecidedAt *time.Time
	CreatedAt time.Time
	Version   int64
	A, B      PairSide
}

// DuplicateQuery selects a page of the review queue.
type DuplicateQuery struct {
	Reason DupReason // "" = any
	Status string    // "" = open
	Limit  int
	Cursor string
}

// Candidate is a customer that looks like the one asked about.
type Candidate struct {
	PairSide
	Reason DupReason
	Score  int
	// PairID is the queue entry of the two, when there is one.
	PairID     *guanxi.ID
	PairStatus string
}

// ScanResult is what a duplicate scan did.
type ScanResult struct {
	Candidates int // pairs meeting a rule
	Added      int // new pairs in the queue (known pairs, dismissed too, are kept as they are)
	Took       time.Duration
}

// Side names the customer whose value a merge keeps.
type Side string

const (
	SideSurvivor Side = "survivor"
	SideMerged   Side = "merged"
)

// MergeFields are the fields a merge chooses between, in display order.
// Some are groups that only make sense together: id_number carries id_type,
// birthday carries lunar_birthday, address carries province/city/district.
var MergeFields = []string{"kind", "name", "gender", "birthday", "id_number", "mobile", "phone", "email",
	"wechat", "address", "market", "industry", "source", "stage", "grade", "notes"}

// MergeSensitive says which merge fields are masked, as reveal fields.
func MergeSensitive(field string) (RevealField, bool) {
	switch field {
	case "id_number":
		return RevealIDNumber, true
	case "mobile":
		return RevealMobile, true
	case "phone":
		return RevealPhone, true
	}
	return "", false
}

// mergeValue is the comparable text of a merge field (plaintext).
func mergeValue(c Customer, field string) string {
	switch field {
	case "kind":
		return string(c.Kind)
	case "name":
		return c.Name
	case "gender":
		return c.Gender
	case "birthday":
		if c.Birthday != "" && c.LunarBirthday {
			return c.Birthday + " ☾" // lunar: a symbol, not a word, so no language
		}
		return c.Birthday
	case "id_number":
		return c.IDNumber
	case "mobile":
		return c.Mobile
	case "phone":
		return c.Phone
	case "email":
		return c.Email
	case "wechat":
		return c.WeChat
	case "address":
		return strings.TrimSpace(strings.Join([]string{c.Province, c.City, c.District, c.Address}, " "))
	case "market":
		return string(c.Market)
	case "industry":
		return c.Industry
	case "source":
		return c.Source
	case "stage":
		return string(c.Stage)
	case "grade":
		return c.Grade
	case "notes":
		return c.Notes
	}
	if k, ok := strings.CutPrefix(field, "custom."); ok {
		return jsonText(c.Custom[k])
	}
	return ""
}

// takeField copies one merge field (or group) from src into dst.
func takeField(dst *Customer, src Customer, field string) {
	switch field {
	case "kind":
		dst.Kind = src.Kind
	case "name":
		dst.Name, dst.NamePinyin = src.Name, src.NamePinyin
	case "gender":
		dst.Gender = src.Gender
	case "birthday":
		dst.Birthday, dst.LunarBirthday = src.Birthday, src.LunarBirthday
	case "id_number":
		dst.IDType, dst.IDNumber = src.IDType, src.IDNumber
	case "mobile":
		dst.Mobile = src.Mobile
	case "phone":
		dst.Phone = src.Phone
	case "email":
		dst.Email = src.Email
	case "wechat":
		dst.WeChat = src.WeChat
	case "address":
		dst.Province, dst.City, dst.District, dst.Address = src.Province, src.City, src.District, src.Address
	case "market":
		dst.Market = src.Market
	case "industry":
		dst.Industry = src.Industry
	case "source":
		dst.Source = src.Source
	case "stage":
		dst.Stage = src.Stage
	case "grade":
		dst.Grade = src.Grade
	case "notes":
		dst.Notes = src.Notes
	default:
		if k, ok := strings.CutPrefix(field, "custom."); ok {
			if v, has := src.Custom[k]; has && v != nil {
				dst.Custom[k] = v
			} else {
				delete(dst.Custom, k)
			}
		}
	}
}

// FieldDiff is one field where the two customers differ.
type FieldDiff struct {
	Field string
	// Survivor and Merged are plaintext display values; surfaces mask
	// them when Sensitive is set and the viewer may not reveal it.
	Survivor, Merged string
	Sensitive        RevealField
	Default          Side
}

// MergeDiff lists every field where s and m differ, standard fields first
// and then custom fields by key. Tags and consent are not listed: a merge
// keeps the union of both.
func MergeDiff(s, m Customer) []FieldDiff {
	var out []FieldDiff
	fields := slices.Clone(MergeFields)
	var custom []string
	for k := range s.Custom {
		custom = append(custom, "custom."+k)
	}
	for k := range m.Custom {
		if _, dup := s.Custom[k]; !dup {
			custom = append(custom, "custom."+k)
		}
	}
	slices.Sort(custom)
	for _, f := range append(fields, custom...) {
		a, b := mergeValue(s, f), mergeValue(m, f)
		if a == b && (f != "id_number" || s.IDType == m.IDType) {
			continue
		}
		d := FieldDiff{Field: f, Survivor: a, Merged: b, Default: SideSurvivor}
		if a == "" {
			d.Default = SideMerged // fill a gap rather than lose a value
		}
		d.Sensitive, _ = MergeSensitive(f)
		out = append(out, d)
	}
	return out
}

// MergeRequest is what a person chose: who survives, the versions they saw
// and, per differing field, whose value to keep (missing: the default).
type MergeRequest struct {
	SurvivorID      guanxi.ID
	SurvivorVersion int64
	MergedID        guanxi.ID
	MergedVersion   int64
	Chosen          map[string]Side
}

// ValidateMergeRequest checks the shape of r (not the customers).
func ValidateMergeRequest(r MergeRequest) error {
	var f guanxi.Fields
	if r.SurvivorID <= 0 {
		f.Add("survivor_id", "validation.required")
	}
	if r.MergedID <= 0 {
		f.Add("other_id", "validation.required")
	} else if r.MergedID == r.SurvivorID {
		f.Add("other_id", "merge.same_customer")
	}
	if r.SurvivorVersion <= 0 {
		f.Add("survivor_version", "validation.required")
	}
	if r.MergedVersion <= 0 {
		f.Add("other_version", "validation.required")
	}
	keys := make([]string, 0, len(r.Chosen))
	for k := range r.Chosen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		custom, isCustom := strings.CutPrefix(k, "custom.")
		if !slices.Contains(MergeFields, k) && !(isCustom && custom != "" && utf8.RuneCountInString(custom) <= 64) {
			f.Add("chosen."+k, "merge.unknown_field")
			continue
		}
		if v := r.Chosen[k]; v != SideSurvivor && v != SideMerged {
			f.Add("chosen."+k, "validation.enum")
		}
	}
	return f.Err()
}

// Merged returns the survivor as it will be after the merge: each differing
// field from the side chosen (or its default), tags and consent as the union
// of both. Identity (id, number, owner, created) stays the survivor's.
func Merged(s, m Customer, chosen map[string]Side) (Customer, map[string]Side) {
	out := s
	out.Tags = slices.Clone(s.Tags)
	out.Custom = cloneMap(s.Custom)
	out.Consent = cloneBools(s.Consent)
	used := map[string]Side{}
	for _, d := range MergeDiff(s, m) {
		side, ok := chosen[d.Field]
		if !ok {
			side = d.Default
		}
		used[d.Field] = side
		if side == SideMerged {
			takeField(&out, m, d.Field)
		}
	}
	for _, t := range m.Tags {
		if !slices.Contains(out.Tags, t) {
			out.Tags = append(out.Tags, t)
		}
	}
	slices.Sort(out.Tags)
	for ch, v := range m.Consent {
		if v {
			out.Consent[ch] = true
		}
	}
	return out, used
}

// completeness counts the filled fields of c, to pick a default survivor.
func completeness(c Customer) int {
	n := len(c.Tags) + len(c.Custom)
	for _, f := range MergeFields {
		if mergeValue(c, f) != "" {
			n++
		}
	}
	return n
}

// PickSurvivor orders two customers as (survivor, merged) by default: the
// more complete record survives; on a tie the older one.
func PickSurvivor(a, b Customer) (Customer, Customer) {
	ca, cb := completeness(a), completeness(b)
	switch {
	case ca > cb:
		return a, b
	case cb > ca:
		return b, a
	case b.CreatedAt.Before(a.CreatedAt) || (b.CreatedAt.Equal(a.CreatedAt) && b.ID < a.ID):
		return b, a
	}
	return a, b
}

// MergePlan is what the store writes in one transaction.
type MergePlan struct {
	Survivor        Customer // the chosen values; ID is the survivor
	SurvivorVersion int64
	Merged          Customer // as it was: the snapshot
	MergedVersion   int64
	Chosen          map[string]Side
	Changes         []Change // survivor before → after, masked
}

// MergeRecord is a customer merged into a survivor.
type MergeRecord struct {
	ID           guanxi.ID  `db:"id"`
	SurvivorID   guanxi.ID  `db:"survivor_id"`
	MergedInto   guanxi.ID  `db:"merged_into"`
	MergedID     guanxi.ID  `db:"merged_id"`
	MergedNumber string     `db:"merged_number"`
	MergedName   string     `db:"merged_name"`
	ByUser       *guanxi.ID `db:"by_user"`
	ByName       string     `db:"by_name"`
	At           time.Time  `db:"at"`
}

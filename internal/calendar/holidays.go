package calendar

import (
	"embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Holiday names are message keys; the i18n catalogs hold their text.
const (
	NewYear        = "calendar.holiday.new_year"        // 元旦
	SpringFestival = "calendar.holiday.spring_festival" // 春节
	Qingming       = "calendar.holiday.qingming"        // 清明节
	LabourDay      = "calendar.holiday.labour_day"      // 劳动节
	DragonBoat     = "calendar.holiday.dragon_boat"     // 端午节
	MidAutumn      = "calendar.holiday.mid_autumn"      // 中秋节
	NationalDay    = "calendar.holiday.national_day"    // 国庆节
	Special        = "calendar.holiday.special"         // a one-off day off the State Council adds
)

const namePrefix = "calendar.holiday."

// Names returns every holiday key a notice may use, so a catalog test can
// check that each has text.
func Names() []string {
	return []string{NewYear, SpringFestival, Qingming, LabourDay, DragonBoat, MidAutumn, NationalDay, Special}
}

func knownName(key string) bool { return slices.Contains(Names(), key) }

// data holds one file per year in the admin text format (see ParseNotice),
// so the parser that reads admins' input also reads the built-in notices.
//
//go:embed data/*.txt
var data embed.FS

// builtin parses the embedded notices once; it is not mutated afterwards
// and Builtin hands out copies.
var builtin = sync.OnceValue(func() []Notice {
	files, err := data.ReadDir("data")
	if err != nil {
		panic(err)
	}
	var out []Notice
	for _, f := range files {
		year, err := strconv.Atoi(strings.TrimSuffix(f.Name(), ".txt"))
		if err != nil {
			panic(fmt.Sprintf("calendar: data/%s: file name is not a year", f.Name()))
		}
		b, err := data.ReadFile("data/" + f.Name())
		if err != nil {
			panic(err)
		}
		n, err := ParseNotice(year, string(b))
		if err != nil { // a broken embedded file is a build defect; tests catch it
			panic(fmt.Sprintf("calendar: data/%s: %v", f.Name(), err))
		}
		out = append(out, n)
	}
	return out
})

// Builtin returns the State Council notices shipped with Guanxi (2025 and
// 2026), ordered by year. Later years come from admins.
func Builtin() []Notice {
	b := builtin()
	out := make([]Notice, len(b))
	for i, n := range b {
		out[i] = n
		out[i].Entries = slices.Clone(n.Entries)
	}
	return out
}

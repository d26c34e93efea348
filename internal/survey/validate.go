package survey

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
)

var keyRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Limits of a template.
const (
	MaxItems      = 50
	MaxChoices    = 20
	maxName       = 100
	maxText       = 500
	maxScript     = 2000
	maxChoiceText = 100
	maxComment    = 2000
	maxAnswerText = 2000
)

// Normalize trims t in place and gives unnamed items a key.
func (t *Template) Normalize() {
	t.Name = strings.TrimSpace(t.Name)
	t.Description = strings.TrimSpace(t.Description)
	if t.Status == "" {
		t.Status = Active
	}
	for i := range t.Items {
		it := &t.Items[i]
		it.Key = strings.ToLower(strings.TrimSpace(it.Key))
		it.TextZh = strings.TrimSpace(it.TextZh)
		it.TextEn = strings.TrimSpace(it.TextEn)
		it.Script = strings.TrimSpace(it.Script)
		if it.Key == "" {
			it.Key = "q" + strconv.Itoa(i+1)
		}
		var cs []string
		for _, c := range it.Choices {
			if c = strings.TrimSpace(c); c != "" && !slices.Contains(cs, c) {
				cs = append(cs, c)
			}
		}
		it.Choices = cs
		if it.Type != Choice {
			it.Choices = nil
		}
	}
}

// Validate checks a normalised template; field paths are items[i].field.
func (t *Template) Validate() error {
	var f guanxi.Fields
	tooLong := func(field, s string, max int) {
		if utf8.RuneCountInString(s) > max {
			f.Add(field, "validation.too_long", map[string]any{"max": max})
		}
	}
	if t.Name == "" {
		f.Add("name", "validation.required")
	}
	tooLong("name", t.Name, maxName)
	tooLong("description", t.Description, maxText)
	if t.Status != Active && t.Status != Archived {
		f.Add("status", "validation.enum")
	}
	if len(t.Items) == 0 {
		f.Add("items", "survey.items_required")
	} else if len(t.Items) > MaxItems {
		f.Add("items", "validation.too_many", map[string]any{"max": MaxItems})
	}
	seen := map[string]bool{}
	for i, it := range t.Items {
		p := fmt.Sprintf("items[%d].", i)
		if !keyRe.MatchString(it.Key) {
			f.Add(p+"key", "survey.item_key")
		} else if seen[it.Key] {
			f.Add(p+"key", "survey.item_key_duplicate")
		}
		seen[it.Key] = true
		if !slices.Contains(ItemTypes, it.Type) {
			f.Add(p+"type", "validation.enum")
		}
		if it.TextZh == "" {
			f.Add(p+"text_zh", "validation.required")
		}
		tooLong(p+"text_zh", it.TextZh, maxText)
		tooLong(p+"text_en", it.TextEn, maxText)
		tooLong(p+"script", it.Script, maxScript)
		if it.Type == Choice {
			if len(it.Choices) < 2 {
				f.Add(p+"choices", "survey.choices_required")
			} else if len(it.Choices) > MaxChoices {
				f.Add(p+"choices", "validation.too_many", map[string]any{"max": MaxChoices})
			}
			for _, c := range it.Choices {
				if utf8.RuneCountInString(c) > maxChoiceText {
					f.Add(p+"choices", "validation.too_long", map[string]any{"max": maxChoiceText})
					break
				}
			}
		}
	}
	return f.Err()
}

// Input is one submitted value before checking: the raw text of a score,
// a choice, yes/no or free text, by item key.
type Input map[string]string

// Check turns raw inputs into values for the items of v. Unknown keys are
// ignored; required items must be present; scores must be whole numbers in
// range. Field paths are "answers.<key>".
func (v Version) Check(in Input) ([]Value, error) {
	var f guanxi.Fields
	var out []Value
	for _, it := range v.Items {
		raw := strings.TrimSpace(in[it.Key])
		field := "answers." + it.Key
		if raw == "" {
			if it.Required {
				f.Add(field, "validation.required")
			}
			continue
		}
		val := Value{Key: it.Key, Type: it.Type}
		switch it.Type {
		case Scale5, Scale10, NPS:
			n, err := strconv.Atoi(raw)
			lo, hi := it.Type.Range()
			if err != nil || n < lo || n > hi {
				f.Add(field, "survey.score_range", map[string]any{"min": lo, "max": hi})
				continue
			}
			val.Score = &n
		case YesNo:
			var n int
			switch strings.ToLower(raw) {
			case "yes", "1", "true":
				n = 1
			case "no", "0", "false":
			default:
				f.Add(field, "validation.enum")
				continue
			}
			val.Score = &n
		case Choice:
			if !slices.Contains(it.Choices, raw) {
				f.Add(field, "validation.enum")
				continue
			}
			val.Text = raw
		case Text:
			if utf8.RuneCountInString(raw) > maxAnswerText {
				f.Add(field, "validation.too_long", map[string]any{"max": maxAnswerText})
				continue
			}
			val.Text = raw
		}
		out = append(out, val)
	}
	return out, f.Err()
}

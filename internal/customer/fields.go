package customer

import "time"

// FieldType is the type of an admin-defined custom field.
type FieldType string

const (
	FieldText   FieldType = "text"
	FieldNumber FieldType = "number"
	FieldDate   FieldType = "date"
	FieldChoice FieldType = "choice"
	FieldMulti  FieldType = "multi"
)

// FieldTypes lists custom field types.
var FieldTypes = []FieldType{FieldText, FieldNumber, FieldDate, FieldChoice, FieldMulti}

// FieldDef defines one custom field on customers.
type FieldDef struct {
	ID        int64     `db:"id"`
	Key       string    `db:"key"`
	LabelZh   string    `db:"label_zh"`
	LabelEn   string    `db:"label_en"`
	Type      FieldType `db:"type"`
	Options   []string  `db:"-"`
	Required  bool      `db:"required"`
	Position  int       `db:"position"`
	Version   int64     `db:"version"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

// Label returns the label in lang.
func (d FieldDef) Label(lang string) string {
	if lang == "en" && d.LabelEn != "" {
		return d.LabelEn
	}
	return d.LabelZh
}

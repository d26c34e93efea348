package bulk

// Temporary stubs of the reading, mapping and conversion API so the importer
// compiles while they are written; each moves to its own file.

import (
	"errors"
	"io"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

var errTODO = errors.New("bulk: not written yet")

// Open sniffs the file (xlsx by its zip signature, else CSV with the encoding
// and delimiter detected) and returns a reader positioned after the header.
// name is the uploaded file name (only a hint); sheet picks an .xlsx sheet
// ("" = the first).
func Open(r io.ReaderAt, size int64, name, sheet string, lim Limits) (Reader, error) {
	return nil, errTODO
}

// Fields lists the importable fields of e, custom fields included for customers.
func Fields(e Entity, defs []customer.FieldDef) []Field { return nil }

// AutoMap proposes a field key for each header column ("" when unknown).
func AutoMap(e Entity, header []string, defs []customer.FieldDef) []string { return nil }

// CheckMapping reports what makes o.Mapping unusable for the header: a field
// mapped twice, a required field or the key missing.
func CheckMapping(header []string, o Options, defs []customer.FieldDef) error { return errTODO }

// Converter turns rows into records with o's mapping.
type Converter struct{}

// NewConverter prepares a converter for the header.
func NewConverter(header []string, o Options, defs []customer.FieldDef) (*Converter, error) {
	return nil, errTODO
}

// Convert normalises and validates one row.
func (c *Converter) Convert(r Row) (Record, []Problem) { return Record{}, nil }

// KeyOf returns c's normalised value of key k.
func KeyOf(c *customer.Customer, k Key) string { return "" }

// ApplyTemplate maps a header with a template's header→field columns
// (matching headers the way AutoMap does); unmatched columns fall back to
// AutoMap.
func ApplyTemplate(t Template, header []string, defs []customer.FieldDef) []string { return nil }

// WriteProblemsCSV writes the error report: the original header and cells
// of each bad row plus line and problem columns, UTF-8 with BOM, formulas
// defused.
func WriteProblemsCSV(w io.Writer, header []string, rows []ProblemRow, t Translate) error {
	return errTODO
}

// WriteProblemsXLSX writes the same report as an .xlsx workbook.
func WriteProblemsXLSX(w io.Writer, header []string, rows []ProblemRow, t Translate) error {
	return errTODO
}

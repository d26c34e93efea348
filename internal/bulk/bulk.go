// Package bulk moves data in and out of Guanxi in bulk (M13): it reads CSV
// (UTF-8, UTF-8 with BOM, GBK/GB18030) and .xlsx files, maps their columns
// to fields from Chinese and English headers, normalises and validates each
// row into customer records, and writes lists back out as CSV and .xlsx.
// The importer and exporter services drive the storage through the small
// stores they declare; this package does no database or network I/O.
package bulk

import (
	"io"
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// Entity is what one import creates or updates.
type Entity string

const (
	Customers    Entity = "customers"
	Contacts     Entity = "contacts"
	Holdings     Entity = "holdings"
	Transactions Entity = "transactions"
	Interactions Entity = "interactions"
)

// Entities lists the importable entities; all but Customers link each row
// to a customer by the import's key.
var Entities = []Entity{Customers, Contacts, Holdings, Transactions, Interactions}

// Format is a file format.
type Format string

const (
	FormatCSV  Format = "csv"
	FormatXLSX Format = "xlsx"
)

// Limits bound what a file may make the reader do, so hostile files fail
// fast with a clear error instead of eating memory or time.
type Limits struct {
	MaxColumns    int   // columns per row
	MaxCellBytes  int   // bytes per cell
	MaxLineBytes  int   // bytes per CSV record
	MaxRows       int   // data rows per file (0: no limit)
	MaxUnzipBytes int64 // total uncompressed size of an .xlsx
}

// DefaultLimits are the production limits.
func DefaultLimits() Limits {
	return Limits{MaxColumns: 512, MaxCellBytes: 32 << 10, MaxLineBytes: 1 << 20, MaxUnzipBytes: 2 << 30}
}

// FileInfo is what sniffing found out about a file.
type FileInfo struct {
	Format    Format   `json:"format"`
	Encoding  string   `json:"encoding,omitempty"`  // "utf-8", "utf-8-bom", "gb18030", "utf-16le", "utf-16be" (CSV)
	Delimiter string   `json:"delimiter,omitempty"` // "," ";" "\t" "|" (CSV)
	Sheets    []string `json:"sheets,omitempty"`    // every sheet (.xlsx)
	Sheet     string   `json:"sheet,omitempty"`     // the sheet read (.xlsx)
	// Date1904 is set when the workbook counts serial dates from 1904
	// (old Mac Excel); copy it to Options.Date1904 before converting.
	Date1904 bool `json:"date1904,omitempty"`
}

// Row is one data row: Line is its 1-based line (CSV record) or row
// (.xlsx) number in the file as a user sees it, header included.
type Row struct {
	Line  int      `json:"line"`
	Cells []string `json:"cells"`
}

// Reader streams a file's rows after its header. Next returns io.EOF after
// the last row. Errors are *guanxi.Error with message keys (import.file.*).
type Reader interface {
	Info() FileInfo
	Header() []string
	Next() (Row, error)
	Close() error
}

// FieldKind tells the converter how to normalise a cell.
type FieldKind string

const (
	KindText  FieldKind = "text"
	KindPhone FieldKind = "phone"
	KindDate  FieldKind = "date"
	KindTime  FieldKind = "time" // a date with an optional time of day
	KindMoney FieldKind = "money"
	KindEnum  FieldKind = "enum"
	KindBool  FieldKind = "bool"
	KindInt   FieldKind = "int"
	KindTags  FieldKind = "tags"
	// KindNumber is a decimal number (custom number fields).
	KindNumber FieldKind = "number"
)

// Field is one importable field of an entity. Its label is the message key
// "import.field.<entity>.<key>"; custom fields use "custom.<key>".
type Field struct {
	Key      string    `json:"key"`
	Kind     FieldKind `json:"kind"`
	Required bool      `json:"required"`
	// Synonyms are header texts that map to the field (matched after
	// folding case, width, spaces and punctuation).
	Synonyms []string `json:"-"`
}

// Mode is how rows meet existing customers.
type Mode string

const (
	ModeCreate Mode = "create" // new customers only; a row whose key exists is a duplicate
	ModeUpdate Mode = "update" // existing customers only; a row whose key is unknown is an error
	ModeUpsert Mode = "upsert" // update when the key exists, create otherwise
)

// Key is the field that identifies a customer across the file and the
// database (and links contacts, holdings... to their customer).
type Key string

const (
	KeyNumber   Key = "number"
	KeyIDNumber Key = "id_number"
	KeyMobile   Key = "mobile"
)

// OnError is what a bad row does to the import.
type OnError string

const (
	ErrorsAbort OnError = "abort" // any bad row: nothing is written
	ErrorsSkip  OnError = "skip"  // bad rows are skipped and reported
)

// OnDuplicate is what happens to a row whose key is already taken (earlier
// in the file, or in the database in create mode).
type OnDuplicate string

const (
	DupSkip   OnDuplicate = "skip"   // keep what exists, report the row
	DupUpdate OnDuplicate = "update" // the later row's values win
	DupReview OnDuplicate = "review" // create it and queue the pair for merge review
)

// Options configure one import.
type Options struct {
	Entity      Entity      `json:"entity"`
	Mode        Mode        `json:"mode"`
	Key         Key         `json:"key"`
	OnError     OnError     `json:"on_error"`
	OnDuplicate OnDuplicate `json:"on_duplicate"`
	Sheet       string      `json:"sheet,omitempty"`
	// Mapping holds one field key per file column ("" ignores the column).
	Mapping []string `json:"mapping"`
	// Owner owns created customers when the file names none (0: the importer).
	Owner    guanxi.ID `json:"owner,omitempty"`
	Currency string    `json:"currency,omitempty"` // default "CNY"
	// Loc reads dates and times without a zone (default Asia/Shanghai).
	Loc *time.Location `json:"-"`
	// Date1904 reads .xlsx serial dates in the 1904 system (FileInfo.Date1904).
	Date1904 bool `json:"date1904,omitempty"`
}

// Record is one converted row. For Customers, Customer holds the row's
// values and Set the customer fields the file supplies (an update touches
// only those); a customer row may also carry one Holding (the car or loan
// of a dealer or bank sheet, from the holding.* columns). For the other
// entities exactly one of Contact, Holding, Transaction or Interaction is
// set, and KeyValue finds its customer.
type Record struct {
	Line        int
	KeyValue    string // the normalised value of Options.Key
	Customer    customer.Customer
	Set         []string
	OwnerRef    string // owner username or name from the file ("" = default)
	Contact     *customer.Contact
	Holding     *customer.Holding
	Transaction *customer.Transaction
	Interaction *customer.Interaction
}

// Problem is one thing wrong with a row: Column is the 0-based file column
// (-1 for the row as a whole), Key a message key with Args.
type Problem struct {
	Line   int            `json:"line"`
	Column int            `json:"column"`
	Header string         `json:"header,omitempty"`
	Field  string         `json:"field,omitempty"`
	Key    string         `json:"key"`
	Args   map[string]any `json:"args,omitempty"`
	Value  string         `json:"value,omitempty"`
}

// ProblemRow is a bad row with its original cells, for the error report.
type ProblemRow struct {
	Line     int
	Cells    []string
	Problems []Problem
}

// Translate renders a message key in the reader's language.
type Translate func(key string, args map[string]any) string

// compile-time use of io so the contract file stays importable while the
// readers are written.
var _ io.ReaderAt

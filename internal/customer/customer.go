// Package customer is the customer archive (客户档案): customers, contacts,
// holdings, transactions and the simple interaction log, with validation and
// masking. It does no I/O; Service talks to a Store it declares.
package customer

import (
	"time"

	"github.com/guanxi-crm/guanxi"
)

// Kind is a person or an organisation.
type Kind string

const (
	Person Kind = "person"
	Org    Kind = "org"
)

// Stage is the lifecycle stage: prospect (A卡), customer (C卡), dormant, lost (流失).
type Stage string

const (
	StageProspect Stage = "prospect"
	StageCustomer Stage = "customer"
	StageDormant  Stage = "dormant"
	StageLost     Stage = "lost"
)

// Stages lists the stages in lifecycle order.
var Stages = []Stage{StageProspect, StageCustomer, StageDormant, StageLost}

// Market is the bank target market (MSEG-01): 三农, 公司, 个人.
type Market string

const (
	MarketAgri      Market = "agri"
	MarketCorporate Market = "corporate"
	MarketPersonal  Market = "personal"
)

// Markets lists the three markets.
var Markets = []Market{MarketAgri, MarketCorporate, MarketPersonal}

// Industries are the 15 industry sub-markets of MSEG-03, by code.
var Industries = []string{
	"agriculture", "mining", "utilities", "manufacturing", "construction",
	"finance", "real_estate", "wholesale_retail", "transport", "hospitality",
	"it_services", "public_facilities", "resident_services", "education_health_culture",
	"public_administration",
}

// IDType is the kind of identity document.
type IDType string

const (
	IDNone      IDType = ""
	IDResident  IDType = "resident_id" // 居民身份证, 18 digits with check digit
	IDUSCC      IDType = "uscc"        // 统一社会信用代码, 18 chars with check char
	IDPassport  IDType = "passport"
	IDOtherType IDType = "other"
)

// IDTypes lists the identity document types.
var IDTypes = []IDType{IDResident, IDUSCC, IDPassport, IDOtherType}

// Customer is one archive record. Sensitive fields (IDNumber, Mobile, Phone)
// hold plaintext only inside the process; every surface masks them.
type Customer struct {
	ID            guanxi.ID       `db:"id"`
	Number        string          `db:"number"`
	Kind          Kind            `db:"kind"`
	Name          string          `db:"name"`
	NamePinyin    string          `db:"name_pinyin"`
	Gender        string          `db:"gender"`
	Birthday      string          `db:"birthday"` // YYYY-MM-DD or ""
	LunarBirthday bool            `db:"lunar_birthday"`
	IDType        IDType          `db:"id_type"`
	IDNumber      string          `db:"id_number"`
	Mobile        string          `db:"mobile"`
	Phone         string          `db:"phone"`
	Email         string          `db:"email"`
	WeChat        string          `db:"wechat"`
	Province      string          `db:"province"`
	City          string          `db:"city"`
	District      string          `db:"district"`
	Address       string          `db:"address"`
	Market        Market          `db:"market"`
	Industry      string          `db:"industry"`
	Source        string          `db:"source"`
	Stage         Stage           `db:"stage"`
	Grade         string          `db:"grade"`
	Tags          []string        `db:"-"`
	Custom        map[string]any  `db:"-"`
	Consent       map[string]bool `db:"-"`
	Notes         string          `db:"notes"`
	OwnerID       guanxi.ID       `db:"owner_id"`
	OwnerName     string          `db:"owner_name"`
	CreatedBy     *guanxi.ID      `db:"created_by"`
	CreatedAt     time.Time       `db:"created_at"`
	UpdatedAt     time.Time       `db:"updated_at"`
	LastContactAt *time.Time      `db:"last_contact_at"`
	DeletedAt     *time.Time      `db:"deleted_at"`
	Version       int64           `db:"version"`
}

// ConsentChannels are the channels a customer can agree to be contacted on.
var ConsentChannels = []string{"sms", "email", "phone", "wechat"}

// Contact is a person at an organisation customer.
type Contact struct {
	ID         guanxi.ID `db:"id" json:"id"`
	CustomerID guanxi.ID `db:"customer_id" json:"customer_id"`
	Name       string    `db:"name" json:"name"`
	Title      string    `db:"title" json:"title"`
	Mobile     string    `db:"mobile" json:"mobile"`
	Phone      string    `db:"phone" json:"phone"`
	Email      string    `db:"email" json:"email"`
	WeChat     string    `db:"wechat" json:"wechat"`
	IsPrimary  bool      `db:"is_primary" json:"is_primary"`
	Notes      string    `db:"notes" json:"notes"`
	Version    int64     `db:"version" json:"version"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	UpdatedAt  time.Time `db:"updated_at" json:"updated_at"`
}

// HoldingKind is what a customer has with us.
type HoldingKind string

// HoldingKinds lists every holding kind.
var HoldingKinds = []HoldingKind{"vehicle", "loan", "deposit", "subscription", "property", "policy", "other"}

// Holding is a vehicle, loan, deposit, contract, property unit or policy.
// Reference is the VIN, account, contract or unit number (masked for
// accounts); Model is the vehicle model, product or plan.
type Holding struct {
	ID           guanxi.ID      `db:"id"`
	CustomerID   guanxi.ID      `db:"customer_id"`
	Kind         HoldingKind    `db:"kind"`
	Name         string         `db:"name"`
	Reference    string         `db:"reference"`
	Model        string         `db:"model"`
	AmountMinor  int64          `db:"amount_minor"`
	BalanceMinor int64          `db:"balance_minor"`
	Currency     string         `db:"currency"`
	OpenedOn     string         `db:"opened_on"`
	DueOn        string         `db:"due_on"`
	Status       string         `db:"status"`
	Attrs        map[string]any `db:"-"`
	Version      int64          `db:"version"`
	CreatedAt    time.Time      `db:"created_at"`
	UpdatedAt    time.Time      `db:"updated_at"`
}

// HoldingStatuses is the vocabulary the forms offer for a holding's status;
// the column stays free text so imported statuses are kept as they came.
var HoldingStatuses = []string{"active", "in_use", "normal", "overdue", "held", "renewed", "expired", "lapsed", "closed", "sold", "other"}

// TransactionKinds lists transaction kinds.
var TransactionKinds = []string{"purchase", "service", "payment", "deposit", "withdrawal", "repayment", "return", "discount", "other"}

// Transaction is money moving between the customer and us.
type Transaction struct {
	ID          guanxi.ID  `db:"id"`
	CustomerID  guanxi.ID  `db:"customer_id"`
	HoldingID   *guanxi.ID `db:"holding_id"`
	Kind        string     `db:"kind"`
	AmountMinor int64      `db:"amount_minor"`
	Currency    string     `db:"currency"`
	OccurredAt  time.Time  `db:"occurred_at"`
	Description string     `db:"description"`
	CreatedBy   *guanxi.ID `db:"created_by"`
	CreatedAt   time.Time  `db:"created_at"`
	Version     int64      `db:"version"`
}

// Channels lists interaction channels.
var Channels = []string{"phone", "sms", "email", "wechat", "visit", "store_visit", "letter", "other"}

// Purposes lists why a contact was made ("" = not said).
var Purposes = []string{"follow_up", "care", "sales", "service", "collection"}

// Interaction is one contact with the customer.
type Interaction struct {
	ID           guanxi.ID `db:"id"`
	CustomerID   guanxi.ID `db:"customer_id"`
	Channel      string    `db:"channel"`
	Direction    string    `db:"direction"`
	OccurredAt   time.Time `db:"occurred_at"`
	Summary      string    `db:"summary"`
	Outcome      string    `db:"outcome"`
	NextAction   string    `db:"next_action"`
	NextActionOn string    `db:"next_action_on"`
	Purpose      string    `db:"purpose"`
	// TaskID is the task its next action created for the customer's owner.
	TaskID    *guanxi.ID `db:"task_id"`
	StaffID   *guanxi.ID `db:"staff_id"`
	StaffName string     `db:"staff_name"`
	Version   int64      `db:"version"`
	CreatedAt time.Time  `db:"created_at"`
}

// Transfer records a change of owner (客户移交).
type Transfer struct {
	ID         guanxi.ID  `db:"id"`
	CustomerID guanxi.ID  `db:"customer_id"`
	FromOwner  guanxi.ID  `db:"from_owner"`
	FromName   string     `db:"from_name"`
	ToOwner    guanxi.ID  `db:"to_owner"`
	ToName     string     `db:"to_name"`
	Reason     string     `db:"reason"`
	ByUser     *guanxi.ID `db:"by_user"`
	ByName     string     `db:"by_name"`
	At         time.Time  `db:"at"`
}

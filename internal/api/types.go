package api

import (
	"time"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// CustomerOut is a customer as the API shows it: ID number and phones masked.
type CustomerOut struct {
	ID            guanxi.ID       `json:"id"`
	Number        string          `json:"number" doc:"Customer number, e.g. KH00000123"`
	Kind          string          `json:"kind" enum:"person,org"`
	Name          string          `json:"name"`
	NamePinyin    string          `json:"name_pinyin"`
	Gender        string          `json:"gender"`
	Birthday      string          `json:"birthday" doc:"YYYY-MM-DD"`
	LunarBirthday bool            `json:"lunar_birthday"`
	IDType        string          `json:"id_type"`
	IDNumber      string          `json:"id_number" doc:"Masked; reveal with POST /customers/{id}/reveal"`
	Mobile        string          `json:"mobile" doc:"Masked"`
	Phone         string          `json:"phone" doc:"Masked"`
	Email         string          `json:"email"`
	WeChat        string          `json:"wechat"`
	Province      string          `json:"province"`
	City          string          `json:"city"`
	District      string          `json:"district"`
	Address       string          `json:"address"`
	Market        string          `json:"market"`
	Industry      string          `json:"industry"`
	Source        string          `json:"source"`
	Stage         string          `json:"stage"`
	Grade         string          `json:"grade"`
	Tags          []string        `json:"tags"`
	Custom        map[string]any  `json:"custom"`
	Consent       map[string]bool `json:"consent"`
	Notes         string          `json:"notes"`
	OwnerID       guanxi.ID       `json:"owner_id"`
	OwnerName     string          `json:"owner_name"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	LastContactAt *time.Time      `json:"last_contact_at,omitempty"`
	DeletedAt     *time.Time      `json:"deleted_at,omitempty"`
	Version       int64           `json:"version"`
}

func customerOut(c customer.Customer) CustomerOut {
	c = c.Mask()
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	return CustomerOut{ID: c.ID, Number: c.Number, Kind: string(c.Kind), Name: c.Name, NamePinyin: c.NamePinyin,
		Gender: c.Gender, Birthday: c.Birthday, LunarBirthday: c.LunarBirthday, IDType: string(c.IDType),
		IDNumber: c.IDNumber, Mobile: c.Mobile, Phone: c.Phone, Email: c.Email, WeChat: c.WeChat,
		Province: c.Province, City: c.City, District: c.District, Address: c.Address, Market: string(c.Market),
		Industry: c.Industry, Source: c.Source, Stage: string(c.Stage), Grade: c.Grade, Tags: tags,
		Custom: c.Custom, Consent: c.Consent, Notes: c.Notes, OwnerID: c.OwnerID, OwnerName: c.OwnerName,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, LastContactAt: c.LastContactAt, DeletedAt: c.DeletedAt,
		Version: c.Version}
}

// CustomerIn is the body of a create; every field is optional in the
// schema and checked by the archive's validation (localised field errors).
type CustomerIn struct {
	Kind          string          `json:"kind,omitempty" enum:"person,org"`
	Name          string          `json:"name,omitempty"`
	Gender        string          `json:"gender,omitempty"`
	Birthday      string          `json:"birthday,omitempty"`
	LunarBirthday bool            `json:"lunar_birthday,omitempty"`
	IDType        string          `json:"id_type,omitempty"`
	IDNumber      string          `json:"id_number,omitempty"`
	Mobile        string          `json:"mobile,omitempty"`
	Phone         string          `json:"phone,omitempty"`
	Email         string          `json:"email,omitempty"`
	WeChat        string          `json:"wechat,omitempty"`
	Province      string          `json:"province,omitempty"`
	City          string          `json:"city,omitempty"`
	District      string          `json:"district,omitempty"`
	Address       string          `json:"address,omitempty"`
	Market        string          `json:"market,omitempty"`
	Industry      string          `json:"industry,omitempty"`
	Source        string          `json:"source,omitempty"`
	Stage         string          `json:"stage,omitempty"`
	Grade         string          `json:"grade,omitempty"`
	Tags          []string        `json:"tags,omitempty"`
	Custom        map[string]any  `json:"custom,omitempty"`
	Consent       map[string]bool `json:"consent,omitempty"`
	Notes         string          `json:"notes,omitempty"`
	OwnerID       guanxi.ID       `json:"owner_id,omitempty" doc:"Defaults to the caller"`
}

func (in CustomerIn) customer() customer.Customer {
	return customer.Customer{Kind: customer.Kind(in.Kind), Name: in.Name, Gender: in.Gender, Birthday: in.Birthday,
		LunarBirthday: in.LunarBirthday, IDType: customer.IDType(in.IDType), IDNumber: in.IDNumber,
		Mobile: in.Mobile, Phone: in.Phone, Email: in.Email, WeChat: in.WeChat, Province: in.Province,
		City: in.City, District: in.District, Address: in.Address, Market: customer.Market(in.Market),
		Industry: in.Industry, Source: in.Source, Stage: customer.Stage(in.Stage), Grade: in.Grade,
		Tags: in.Tags, Custom: in.Custom, Consent: in.Consent, Notes: in.Notes, OwnerID: in.OwnerID}
}

// CustomerPatch changes only the fields it names.
type CustomerPatch struct {
	Kind          *string         `json:"kind,omitempty" enum:"person,org"`
	Name          *string         `json:"name,omitempty"`
	Gender        *string         `json:"gender,omitempty"`
	Birthday      *string         `json:"birthday,omitempty"`
	LunarBirthday *bool           `json:"lunar_birthday,omitempty"`
	IDType        *string         `json:"id_type,omitempty"`
	IDNumber      *string         `json:"id_number,omitempty"`
	Mobile        *string         `json:"mobile,omitempty"`
	Phone         *string         `json:"phone,omitempty"`
	Email         *string         `json:"email,omitempty"`
	WeChat        *string         `json:"wechat,omitempty"`
	Province      *string         `json:"province,omitempty"`
	City          *string         `json:"city,omitempty"`
	District      *string         `json:"district,omitempty"`
	Address       *string         `json:"address,omitempty"`
	Market        *string         `json:"market,omitempty"`
	Industry      *string         `json:"industry,omitempty"`
	Source        *string         `json:"source,omitempty"`
	Stage         *string         `json:"stage,omitempty"`
	Grade         *string         `json:"grade,omitempty"`
	Tags          *[]string       `json:"tags,omitempty"`
	Custom        map[string]any  `json:"custom,omitempty" doc:"Keys to set; null removes a key"`
	Consent       map[string]bool `json:"consent,omitempty"`
	Notes         *string         `json:"notes,omitempty"`
}

func (p CustomerPatch) apply(c *customer.Customer) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	if p.Kind != nil {
		c.Kind = customer.Kind(*p.Kind)
	}
	set(&c.Name, p.Name)
	set(&c.Gender, p.Gender)
	set(&c.Birthday, p.Birthday)
	if p.LunarBirthday != nil {
		c.LunarBirthday = *p.LunarBirthday
	}
	if p.IDType != nil {
		c.IDType = customer.IDType(*p.IDType)
	}
	set(&c.IDNumber, p.IDNumber)
	set(&c.Mobile, p.Mobile)
	set(&c.Phone, p.Phone)
	set(&c.Email, p.Email)
	set(&c.WeChat, p.WeChat)
	set(&c.Province, p.Province)
	set(&c.City, p.City)
	set(&c.District, p.District)
	set(&c.Address, p.Address)
	if p.Market != nil {
		c.Market = customer.Market(*p.Market)
	}
	set(&c.Industry, p.Industry)
	set(&c.Source, p.Source)
	if p.Stage != nil {
		c.Stage = customer.Stage(*p.Stage)
	}
	set(&c.Grade, p.Grade)
	if p.Tags != nil {
		c.Tags = *p.Tags
	}
	for k, v := range p.Custom {
		if v == nil {
			delete(c.Custom, k)
		} else {
			c.Custom[k] = v
		}
	}
	for k, v := range p.Consent {
		c.Consent[k] = v
	}
	set(&c.Notes, p.Notes)
}

// ContactIO is a contact in both directions (phones masked on the way out).
type ContactIO struct {
	ID        guanxi.ID `json:"id,omitempty" readOnly:"true"`
	Name      string    `json:"name,omitempty"`
	Title     string    `json:"title,omitempty"`
	Mobile    string    `json:"mobile,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	Email     string    `json:"email,omitempty"`
	WeChat    string    `json:"wechat,omitempty"`
	IsPrimary bool      `json:"is_primary,omitempty"`
	Notes     string    `json:"notes,omitempty"`
	Version   int64     `json:"version,omitempty" readOnly:"true"`
}

func contactOut(c customer.Contact) ContactIO {
	c = c.Mask()
	return ContactIO{ID: c.ID, Name: c.Name, Title: c.Title, Mobile: c.Mobile, Phone: c.Phone, Email: c.Email,
		WeChat: c.WeChat, IsPrimary: c.IsPrimary, Notes: c.Notes, Version: c.Version}
}

func (in ContactIO) contact(customerID guanxi.ID) customer.Contact {
	return customer.Contact{CustomerID: customerID, Name: in.Name, Title: in.Title, Mobile: in.Mobile,
		Phone: in.Phone, Email: in.Email, WeChat: in.WeChat, IsPrimary: in.IsPrimary, Notes: in.Notes}
}

// HoldingIO is a holding; account references of loans and deposits are masked.
type HoldingIO struct {
	ID           guanxi.ID      `json:"id,omitempty" readOnly:"true"`
	Kind         string         `json:"kind,omitempty" enum:"vehicle,loan,deposit,subscription,property,policy,other"`
	Name         string         `json:"name,omitempty"`
	Reference    string         `json:"reference,omitempty" doc:"VIN, account, contract or unit number"`
	Model        string         `json:"model,omitempty"`
	AmountMinor  int64          `json:"amount_minor,omitempty" doc:"Amount in fen (分)"`
	BalanceMinor int64          `json:"balance_minor,omitempty"`
	Currency     string         `json:"currency,omitempty"`
	OpenedOn     string         `json:"opened_on,omitempty"`
	DueOn        string         `json:"due_on,omitempty"`
	Status       string         `json:"status,omitempty"`
	Attrs        map[string]any `json:"attrs,omitempty"`
	Version      int64          `json:"version,omitempty" readOnly:"true"`
}

func holdingOut(h customer.Holding) HoldingIO {
	h = h.Mask()
	return HoldingIO{ID: h.ID, Kind: string(h.Kind), Name: h.Name, Reference: h.Reference, Model: h.Model,
		AmountMinor: h.AmountMinor, BalanceMinor: h.BalanceMinor, Currency: h.Currency, OpenedOn: h.OpenedOn,
		DueOn: h.DueOn, Status: h.Status, Attrs: h.Attrs, Version: h.Version}
}

func (in HoldingIO) holding(customerID guanxi.ID) customer.Holding {
	cur := in.Currency
	if cur == "" {
		cur = "CNY"
	}
	return customer.Holding{CustomerID: customerID, Kind: customer.HoldingKind(in.Kind), Name: in.Name,
		Reference: in.Reference, Model: in.Model, AmountMinor: in.AmountMinor, BalanceMinor: in.BalanceMinor,
		Currency: cur, OpenedOn: in.OpenedOn, DueOn: in.DueOn, Status: in.Status, Attrs: in.Attrs}
}

// TransactionIO is a transaction.
type TransactionIO struct {
	ID          guanxi.ID  `json:"id,omitempty" readOnly:"true"`
	HoldingID   *guanxi.ID `json:"holding_id,omitempty"`
	Kind        string     `json:"kind,omitempty"`
	AmountMinor int64      `json:"amount_minor,omitempty"`
	Currency    string     `json:"currency,omitempty"`
	OccurredAt  time.Time  `json:"occurred_at,omitzero"`
	Description string     `json:"description,omitempty"`
}

// InteractionIO is one logged contact.
type InteractionIO struct {
	ID           guanxi.ID `json:"id,omitempty" readOnly:"true"`
	Channel      string    `json:"channel,omitempty"`
	Direction    string    `json:"direction,omitempty" enum:"in,out"`
	OccurredAt   time.Time `json:"occurred_at,omitzero"`
	Summary      string    `json:"summary,omitempty"`
	Outcome      string    `json:"outcome,omitempty"`
	NextAction   string    `json:"next_action,omitempty"`
	NextActionOn string    `json:"next_action_on,omitempty" doc:"With next_action, makes a task for the customer's owner"`
	Purpose      string    `json:"purpose,omitempty" enum:"follow_up,care,sales,service,collection"`
	TaskID       *int64    `json:"task_id,omitempty" readOnly:"true" doc:"The task the next action created"`
	StaffName    string    `json:"staff_name,omitempty" readOnly:"true"`
}

// TransferOut is one owner change.
type TransferOut struct {
	ID        guanxi.ID `json:"id"`
	FromOwner guanxi.ID `json:"from_owner"`
	FromName  string    `json:"from_name"`
	ToOwner   guanxi.ID `json:"to_owner"`
	ToName    string    `json:"to_name"`
	Reason    string    `json:"reason"`
	ByName    string    `json:"by_name"`
	At        time.Time `json:"at"`
}

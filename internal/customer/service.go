package customer

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi"
	"github.com/guanxi-crm/guanxi/internal/audit"
	"github.com/guanxi-crm/guanxi/internal/segment"
)

// ListQuery selects a page of customers. Q is the search box (Chinese,
// pinyin, initials, phone digits, numbers); Filter is the JSON filter
// language; Sort is a sortable field, "-" prefixed for descending.
type ListQuery struct {
	Q       string
	Filter  *segment.Node
	Sort    string
	Limit   int
	Cursor  string
	Deleted bool // the trash: soft-deleted customers (admin only)
}

// SortFields are the fields a list may sort by (each has an index).
var SortFields = []string{"id", "created_at", "updated_at", "name", "number"}

// Page is one page of a list; NextCursor is empty on the last page.
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// MaxLimit caps a page.
const MaxLimit = 200

// RevealField names a sensitive field that can be revealed.
type RevealField string

const (
	RevealIDNumber RevealField = "id_number"
	RevealMobile   RevealField = "mobile"
	RevealPhone    RevealField = "phone"
	RevealAccount  RevealField = "account" // a holding's account reference
	// A contact's phones (sub id: the contact).
	RevealContactMobile RevealField = "contact_mobile"
	RevealContactPhone  RevealField = "contact_phone"
)

// Permission returns the permission a reveal needs.
func (f RevealField) Permission() (guanxi.Permission, bool) {
	switch f {
	case RevealIDNumber:
		return guanxi.PermRevealIDNumber, true
	case RevealMobile, RevealPhone, RevealContactMobile, RevealContactPhone:
		return guanxi.PermRevealPhone, true
	case RevealAccount:
		return guanxi.PermRevealAccount, true
	}
	return "", false
}

// Store is what the customer service needs from storage. Every method that
// reads customer data takes the actor and applies its scope in the query; an
// id outside the scope is NotFound.
type Store interface {
	FieldDefs(ctx context.Context) ([]FieldDef, error)
	FieldDefStore
	CreateCustomer(ctx context.Context, a guanxi.Actor, c *Customer) error
	GetCustomer(ctx context.Context, a guanxi.Actor, id guanxi.ID, deleted bool) (Customer, error)
	UpdateCustomer(ctx context.Context, a guanxi.Actor, c *Customer, version int64, changes []Change) error
	DeleteCustomer(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error
	RestoreCustomer(ctx context.Context, a guanxi.Actor, id guanxi.ID) error
	ListCustomers(ctx context.Context, a guanxi.Actor, q ListQuery) (Page[Customer], error)
	TransferCustomers(ctx context.Context, a guanxi.Actor, ids []guanxi.ID, to guanxi.ID, reason string) (int, error)
	Transfers(ctx context.Context, a guanxi.Actor, id guanxi.ID) ([]Transfer, error)
	RevealCustomerField(ctx context.Context, a guanxi.Actor, id guanxi.ID, f RevealField, subID guanxi.ID, reason string) (string, error)
	History(ctx context.Context, a guanxi.Actor, id guanxi.ID, limit int) ([]audit.Entry, error)

	ListContacts(ctx context.Context, a guanxi.Actor, customerID guanxi.ID) ([]Contact, error)
	GetContact(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID) (Contact, error)
	SaveContact(ctx context.Context, a guanxi.Actor, ct *Contact, version int64) error
	DeleteContact(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID, version int64) error

	ListHoldings(ctx context.Context, a guanxi.Actor, customerID guanxi.ID) ([]Holding, error)
	GetHolding(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID) (Holding, error)
	SaveHolding(ctx context.Context, a guanxi.Actor, h *Holding, version int64) error
	DeleteHolding(ctx context.Context, a guanxi.Actor, customerID, id guanxi.ID, version int64) error

	ListTransactions(ctx context.Context, a guanxi.Actor, customerID guanxi.ID, limit int) ([]Transaction, error)
	AddTransaction(ctx context.Context, a guanxi.Actor, t *Transaction) error

	ListInteractions(ctx context.Context, a guanxi.Actor, customerID guanxi.ID, limit int) ([]Interaction, error)
	AddInteraction(ctx context.Context, a guanxi.Actor, in *Interaction) error
}

// Service is the customer archive's use cases.
type Service struct {
	Store Store
	// Pinyin spells a name in pinyin for display and sorting (optional).
	Pinyin func(name string) string
	// Merges finds duplicate customers and merges them (service_merge.go).
	Merges MergeStore
}

func need(a guanxi.Actor, p guanxi.Permission) error {
	if !a.Can(p) {
		return guanxi.Forbidden("error.forbidden")
	}
	return nil
}

// Create validates c and stores it owned by c.OwnerID (the caller when unset:
// 谁营销谁维护). Only managers and admins may create for someone else.
func (s *Service) Create(ctx context.Context, a guanxi.Actor, c *Customer) error {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return err
	}
	if c.OwnerID == 0 {
		c.OwnerID = a.UserID
	}
	if c.OwnerID != a.UserID && a.Scope() == guanxi.ScopeOwn {
		return guanxi.Invalid(guanxi.Field("owner_id", "validation.owner_self"))
	}
	defs, err := s.Store.FieldDefs(ctx)
	if err != nil {
		return err
	}
	c.Normalize()
	if err := Validate(c, defs); err != nil {
		return err
	}
	if s.Pinyin != nil {
		c.NamePinyin = s.Pinyin(c.Name)
	}
	return s.Store.CreateCustomer(ctx, a, c)
}

// Get returns one customer (masked by the caller's surface, not here).
func (s *Service) Get(ctx context.Context, a guanxi.Actor, id guanxi.ID) (Customer, error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return Customer{}, err
	}
	return s.Store.GetCustomer(ctx, a, id, false)
}

// Update loads the customer in the caller's scope, checks the version the
// caller saw, applies edit and stores the result with a field diff.
func (s *Service) Update(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64, edit func(*Customer) error) (Customer, error) {
	if err := need(a, guanxi.PermCustomerWrite); err != nil {
		return Customer{}, err
	}
	before, err := s.Store.GetCustomer(ctx, a, id, false)
	if err != nil {
		return Customer{}, err
	}
	if before.Version != version {
		return Customer{}, guanxi.Stale(before.Version)
	}
	after := before
	after.Tags = slices.Clone(before.Tags)
	after.Custom = cloneMap(before.Custom)
	after.Consent = cloneBools(before.Consent)
	if err := edit(&after); err != nil {
		return Customer{}, err
	}
	// Ownership and identity only change through their own use cases.
	after.ID, after.Number, after.OwnerID, after.CreatedAt = before.ID, before.Number, before.OwnerID, before.CreatedAt
	defs, err := s.Store.FieldDefs(ctx)
	if err != nil {
		return Customer{}, err
	}
	after.Normalize()
	if err := Validate(&after, defs); err != nil {
		return Customer{}, err
	}
	if s.Pinyin != nil {
		after.NamePinyin = s.Pinyin(after.Name)
	}
	changes := Diff(before, after)
	if len(changes) == 0 {
		return before, nil
	}
	if err := s.Store.UpdateCustomer(ctx, a, &after, version, changes); err != nil {
		return Customer{}, err
	}
	return after, nil
}

// Delete soft-deletes a customer; admins can restore it.
func (s *Service) Delete(ctx context.Context, a guanxi.Actor, id guanxi.ID, version int64) error {
	if err := need(a, guanxi.PermCustomerDelete); err != nil {
		return err
	}
	return s.Store.DeleteCustomer(ctx, a, id, version)
}

// Restore brings back a soft-deleted customer.
func (s *Service) Restore(ctx context.Context, a guanxi.Actor, id guanxi.ID) error {
	if err := need(a, guanxi.PermCustomerRestore); err != nil {
		return err
	}
	return s.Store.RestoreCustomer(ctx, a, id)
}

// List returns a page of customers in the caller's scope.
func (s *Service) List(ctx context.Context, a guanxi.Actor, q ListQuery) (Page[Customer], error) {
	if err := need(a, guanxi.PermCustomerRead); err != nil {
		return Page[Customer]{}, err
	}
	if q.Deleted {
		if err := need(a, guanxi.PermCustomerRestore); err != nil {
			return Page[Customer]{}, err
		}
	}
	if q.Limit <= 0 {
		q.Limit = 20
	}
	if q.Limit > MaxLimit {
		q.Limit = MaxLimit
	}
	sortField := strings.TrimPrefix(q.Sort, "-")
	if q.Sort != "" && !slices.Contains(SortFields, sortField) {
		return Page[Customer]{}, guanxi.Invalid(guanxi.Field("sort", "validation.enum"))
	}
	if utf8.RuneCountInString(q.Q) > 100 {
		return Page[Customer]{}, guanxi.Invalid(guanxi.FieldError{Field: "q", Key: "validation.too_long", Args: map[string]any{"max": 100}})
	}
	return s.Store.ListCustomers(ctx, a, q)
}

// Transfer moves customers to another owner with a reason (客户移交).
func (s *Service) Transfer(ctx context.Context, a guanxi.Actor, ids []guanxi.ID, to guanxi.ID, reason string) (int, error) {
	if err := need(a, guanxi.PermCustomerTransfer); err != nil {
		return 0, err
	}
	var f guanxi.Fields
	reason = strings.TrimSpace(reason)
	if reason == "" {
		f.Add("reason", "validation.required")
	} else if utf8.RuneCountInString(reason) > 500 {
		f.Add("reason", "validation.too_long", map[string]any{"max": 500})
	}
	if to == 0 {
		f.Add("to_owner_id", "validation.required")
	}
	if len(ids) == 0 {
		f.Add("customer_ids", "validation.required")
	} else if len(ids) > 1000 {
		f.Add("customer_ids", "validation.too_many", map[string]any{"max": 1000})
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	return s.Store.TransferCustomers(ctx, a, ids, to, reason)
}

// Reveal returns a sensitive value in plaintext after auditing who asked and
// why; when the audit write fails, nothing is revealed.
func (s *Service) Reveal(ctx context.Context, a guanxi.Actor, id guanxi.ID, field RevealField, subID guanxi.ID, reason string) (string, error) {
	perm, ok := field.Permission()
	if !ok {
		return "", guanxi.Invalid(guanxi.Field("field", "validation.enum"))
	}
	if err := need(a, perm); err != nil {
		return "", err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", guanxi.Invalid(guanxi.Field("reason", "validation.required"))
	}
	if utf8.RuneCountInString(reason) > 200 {
		return "", guanxi.Invalid(guanxi.FieldError{Field: "reason", Key: "validation.too_long", Args: map[string]any{"max": 200}})
	}
	return s.Store.RevealCustomerField(ctx, a, id, field, subID, reason)
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func cloneBools(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

package report

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Limits of what an operator may put in a report.
const (
	maxPeriod    = 366 * 24 * time.Hour
	maxTopics    = 50
	maxTitle     = 200
	maxText      = 5000
	maxRecipient = 50
)

// Service is the report workflow: draft, edit, publish, deliver.
type Service struct {
	gen    *Generator
	store  *Store
	pdf    *PDF
	mailer Mailer // nil: delivery is not configured
	// consoleURL is the console's external URL, which a delivered report's
	// mail links to; "" leaves the link out.
	consoleURL string
	logger     *slog.Logger
}

// NewService returns the workflow. mailer may be nil.
func NewService(gen *Generator, store *Store, pdf *PDF, mailer Mailer, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{gen: gen, store: store, pdf: pdf, mailer: mailer, logger: logger}
}

// Store returns the report store.
func (s *Service) Store() *Store { return s.store }

// SetConsoleURL sets the console's external URL (--external-url), which the
// delivery mail links to. Call it before serving.
func (s *Service) SetConsoleURL(u string) { s.consoleURL = strings.TrimRight(u, "/") }

// List lists tenant's reports, newest first; publishedOnly leaves drafts out.
func (s *Service) List(ctx context.Context, tenant string, publishedOnly bool) ([]*Stored, error) {
	return s.store.List(ctx, tenant, publishedOnly)
}

// Get returns report id of tenant; an unknown ID is storage.ErrNotFound.
func (s *Service) Get(ctx context.Context, tenant string, id int64) (*Stored, error) {
	return s.store.Get(ctx, tenant, id)
}

// checkPeriod refuses a period the report cannot be made for.
func checkPeriod(from, to time.Time) error {
	switch {
	case from.IsZero():
		return invalid.New("from", "is required")
	case to.IsZero():
		return invalid.New("to", "is required")
	case !to.After(from):
		return invalid.New("to", "must be after from")
	case to.Sub(from) > maxPeriod:
		return invalid.New("to", "must be at most 366 days after from")
	}
	return nil
}

// CreateDraft gathers the report of tenant for [from, to) and stores it as a
// draft by actor.
func (s *Service) CreateDraft(ctx context.Context, tenant string, from, to time.Time, actor string) (*Stored, error) {
	return s.CreateServiceDraft(ctx, tenant, "", from, to, actor)
}

// CreateServiceDraft is CreateDraft of one service's report (service "":
// the whole tenant's).
func (s *Service) CreateServiceDraft(ctx context.Context, tenant, service string, from, to time.Time, actor string) (*Stored, error) {
	if err := checkPeriod(from, to); err != nil {
		return nil, err
	}
	if s.gen == nil {
		return nil, errors.New("report: this service makes no drafts: it was built without a generator")
	}
	r, err := s.gen.GenerateService(ctx, tenant, service, from, to)
	if err != nil {
		return nil, err
	}
	st := &Stored{Tenant: tenant, Service: service, From: from.UTC(), To: to.UTC(), CreatedBy: actor, Content: r}
	if err := s.store.Create(ctx, st); err != nil {
		return nil, err
	}
	return st, nil
}

// Edit is the operator's change to a draft; nil fields are left as they are.
type Edit struct {
	Topics  *[]Topic `json:"topics"`
	Comment *string  `json:"comment"`
}

func (e *Edit) validate() error {
	if e.Comment != nil && utf8.RuneCountInString(*e.Comment) > maxText {
		return invalid.New("comment", "is longer than %d characters", maxText)
	}
	if e.Topics == nil {
		return nil
	}
	if len(*e.Topics) > maxTopics {
		return invalid.New("topics", "has more than %d topics", maxTopics)
	}
	for i, t := range *e.Topics {
		if err := checkFollowUp(i, t); err != nil {
			return err
		}
		switch {
		case t.Improvement != 0:
			// Title and body come from the register.
		case t.Title == "":
			return invalid.New(fmt.Sprintf("topics[%d].title", i), "is required")
		case utf8.RuneCountInString(t.Title) > maxTitle:
			return invalid.New(fmt.Sprintf("topics[%d].title", i), "is longer than %d characters", maxTitle)
		case utf8.RuneCountInString(t.Body) > maxText:
			return invalid.New(fmt.Sprintf("topics[%d].body", i), "is longer than %d characters", maxText)
		}
	}
	return nil
}

// EditDraft applies e to a draft; a published report is 409.
func (s *Service) EditDraft(ctx context.Context, tenant string, id int64, e Edit) (*Stored, error) {
	if err := e.validate(); err != nil {
		return nil, err
	}
	st, err := s.store.Get(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if st.State != Draft {
		return nil, errFrozen(id)
	}
	if e.Topics != nil {
		topics, err := s.topics(ctx, tenant, *e.Topics)
		if err != nil {
			return nil, err
		}
		st.Content.Topics = topics
	}
	if e.Comment != nil {
		st.Content.Comment = *e.Comment
	}
	if err := s.store.UpdateContent(ctx, tenant, id, st.Content); err != nil {
		return nil, err
	}
	return s.store.Get(ctx, tenant, id)
}

// Render renders a report's content to "html" or "pdf".
func (s *Service) Render(r *Report, kind string) ([]byte, error) {
	if kind == "html" {
		return HTML(r)
	}
	if s.pdf == nil {
		return nil, fmt.Errorf("report: PDF is not available: install the Debian package %s", FontPackage)
	}
	return s.pdf.Render(r)
}

// File returns the HTML or PDF of a report: the frozen bytes once it is
// published, rendered from the draft before.
func (s *Service) File(ctx context.Context, st *Stored, kind string) ([]byte, error) {
	if st.State == Published {
		return s.store.File(ctx, st.Tenant, st.ID, kind)
	}
	return s.Render(st.Content, kind)
}

// Publish renders and freezes a draft; a published report is 409.
func (s *Service) Publish(ctx context.Context, tenant string, id int64, actor string) (*Stored, error) {
	st, err := s.store.Get(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if st.State != Draft {
		return nil, errFrozen(id)
	}
	html, err := s.Render(st.Content, "html")
	if err != nil {
		return nil, err
	}
	pdf, err := s.Render(st.Content, "pdf")
	if err != nil {
		return nil, err
	}
	if err := s.store.Publish(ctx, tenant, id, actor, html, pdf); err != nil {
		return nil, err
	}
	return s.store.Get(ctx, tenant, id)
}

// SetRecipients validates and replaces tenant's report contacts.
func (s *Service) SetRecipients(ctx context.Context, tenant string, rs []Recipient) error {
	if err := CheckRecipients(rs); err != nil {
		return err
	}
	return s.store.SetRecipients(ctx, tenant, rs)
}

// Recipients returns tenant's report contacts, by address.
func (s *Service) Recipients(ctx context.Context, tenant string) ([]Recipient, error) {
	return s.store.Recipients(ctx, tenant)
}

// CheckRecipients checks a list of report contacts as SetRecipients does.
func CheckRecipients(rs []Recipient) error {
	if len(rs) > maxRecipient {
		return invalid.New("recipients", "has more than %d addresses", maxRecipient)
	}
	seen := map[string]bool{}
	for i, r := range rs {
		a, err := mail.ParseAddress(r.Email)
		if err != nil || a.Address != r.Email {
			return invalid.New(fmt.Sprintf("recipients[%d].email", i), "is not a mail address: %q", r.Email)
		}
		if seen[r.Email] {
			return invalid.New(fmt.Sprintf("recipients[%d].email", i), "is listed twice")
		}
		seen[r.Email] = true
		if utf8.RuneCountInString(r.Name) > maxTitle {
			return invalid.New(fmt.Sprintf("recipients[%d].name", i), "is longer than %d characters", maxTitle)
		}
	}
	return nil
}

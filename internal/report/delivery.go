package report

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/unyo-ops/unyo/internal/response"
)

// Mail is one delivery of a report.
type Mail struct {
	To         []Recipient
	Subject    string
	Text       string
	Attachment string // file name of the PDF
	PDF        []byte
}

// Mailer sends a Mail.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// SMTP is a Mailer over an SMTP relay with go-mail. The password is held in
// memory only and never logged.
type SMTP struct {
	Host     string
	Port     int
	From     string
	Username string
	Password string
	// TLS: "mandatory" (STARTTLS, the default), "opportunistic" or "none".
	TLS     string
	Timeout time.Duration
}

// Send implements Mailer.
func (s SMTP) Send(ctx context.Context, m Mail) error {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingB64), gomail.WithNoDefaultUserAgent())
	if err := msg.From(s.From); err != nil {
		return fmt.Errorf("report mail: bad sender: %w", err)
	}
	for _, r := range m.To {
		if err := msg.AddToFormat(r.Name, r.Email); err != nil {
			return fmt.Errorf("report mail: bad recipient %q: %w", r.Email, err)
		}
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if err := msg.AttachReader(m.Attachment, bytes.NewReader(m.PDF), gomail.WithFileContentType("application/pdf")); err != nil {
		return fmt.Errorf("report mail: cannot attach the PDF: %w", err)
	}
	policy := gomail.TLSMandatory
	switch s.TLS {
	case "opportunistic":
		policy = gomail.TLSOpportunistic
	case "none":
		policy = gomail.NoTLS
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(s.Port), gomail.WithTLSPolicy(policy), gomail.WithTimeout(timeout)}
	if s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return fmt.Errorf("report mail: cannot configure SMTP: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("report mail: cannot send via %s: %w", s.Host, err)
	}
	return nil
}

// Deliver mails a published report's PDF to the tenant's report contacts.
func (s *Service) Deliver(ctx context.Context, tenant string, id int64) (*Stored, error) {
	if s.mailer == nil {
		return nil, &response.StatusError{Status: http.StatusServiceUnavailable, Message: "report delivery is not configured: start the server with --report-smtp"}
	}
	st, err := s.store.Get(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if st.State != Published {
		return nil, &response.StatusError{Status: http.StatusConflict, Message: fmt.Sprintf("report %d is a draft: publish it before delivery", id)}
	}
	to, err := s.store.Recipients(ctx, tenant)
	if err != nil {
		return nil, err
	}
	if len(to) == 0 {
		return nil, &response.StatusError{Status: http.StatusConflict, Message: "the tenant has no report recipients: set them with PUT .../report-recipients"}
	}
	pdf, err := s.store.File(ctx, tenant, id, "pdf")
	if err != nil {
		return nil, err
	}
	d := Layout(st.Content)
	m := Mail{
		To: to, Subject: d.Title + " " + d.Tenant + " " + d.Period,
		Text:       mailText(st.Content.Language, d, s.link(tenant, id)),
		Attachment: fmt.Sprintf("report-%s-%s.pdf", tenant, st.Content.From.In(st.Content.location()).Format("2006-01")),
		PDF:        pdf,
	}
	if err := s.mailer.Send(ctx, m); err != nil {
		s.logger.Error("report: delivery failed", "tenant", tenant, "report", id, "err", err)
		return nil, &response.StatusError{Status: http.StatusBadGateway, Message: "the mail server refused the report: " + err.Error()}
	}
	if err := s.store.MarkDelivered(ctx, tenant, id); err != nil {
		return nil, err
	}
	s.logger.Info("report: delivered", "tenant", tenant, "report", id, "recipients", len(to))
	return s.store.Get(ctx, tenant, id)
}

// link is the report's page in the console, "" without --external-url.
func (s *Service) link(tenant string, id int64) string {
	if s.consoleURL == "" {
		return ""
	}
	return fmt.Sprintf("%s/tenants/%s/reports/%d", s.consoleURL, url.PathEscape(tenant), id)
}

func mailText(lang string, d *Document, link string) string {
	if lang == "en" {
		text := "Please find attached the operations report of " + d.Tenant + " for " + d.Period + ".\n"
		if link != "" {
			text += "\nIt is also in the unyo console: " + link + "\n"
		}
		return text
	}
	text := d.Tenant + " ご担当者様\n\n" + d.Period + " の運用報告書を添付いたします。ご確認ください。\n"
	if link != "" {
		text += "\nunyo のコンソールでもご覧いただけます: " + link + "\n"
	}
	return text
}

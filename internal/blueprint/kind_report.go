package blueprint

import (
	"context"
	"fmt"
	"sort"

	"github.com/unyo-ops/unyo/internal/report"
)

// ReportSchedule is who receives the tenant's monthly report (one per
// tenant, keyed by the tenant). When it is made is the server's: the draft
// of a month is made once the month has ended in the tenant's time zone,
// in the tenant's language; staff publish it, and delivery mails it to
// these recipients.
type ReportSchedule struct {
	Recipients []ReportRecipient `json:"recipients"`
}

// ReportRecipient is one address the report is mailed to: a contact of
// the design by name, or an address with a display name.
type ReportRecipient struct {
	Contact string `json:"contact,omitempty"`
	Email   string `json:"email,omitempty"`
	Name    string `json:"name,omitempty"`
}

// reportSchedules is the tenant's report recipients.
type reportSchedules struct{}

func (reportSchedules) name() string { return KindReportSchedule }

func (reportSchedules) read(ctx context.Context, s Stores, tenant string, st *state) error {
	list, err := s.Reports.Recipients(ctx, tenant)
	if err != nil || len(list) == 0 { // none: no delivery, no object
		return err
	}
	stored, err := s.Channels.Contacts(ctx, tenant)
	if err != nil {
		return err
	}
	cs := map[string]string{}
	for _, c := range stored {
		cs[c.Name] = c.Email
	}
	st.put(KindReportSchedule, tenant, &object{design: reportScheduleOf(list, cs)})
	return nil
}

func (reportSchedules) want(d *Design, tenant string, x *ids, add adder) error {
	if d.ReportSchedule == nil {
		return nil
	}
	cs := designEmails(d)
	add(tenant, reportScheduleOf(d.ReportSchedule.recipients(cs), cs), *d.ReportSchedule)
	return nil
}

func (reportSchedules) validate(l *loader, d *Design, x *ids, u *unique) {
	r := d.ReportSchedule
	if r == nil {
		return
	}
	if len(r.Recipients) == 0 {
		l.fail("report_schedule", "recipients", "must name at least one: to stop delivery, remove the report schedule and apply with --prune")
		return
	}
	known, whole := contactNames(d), true
	for i, rc := range r.Recipients {
		field := fmt.Sprintf("recipients[%d]", i)
		_, isContact := known[rc.Contact]
		switch {
		case (rc.Contact == "") == (rc.Email == ""):
			l.fail("report_schedule", field, "give a contact or an email, one of them")
		case rc.Contact != "" && rc.Name != "":
			l.fail("report_schedule", field+".name", "is the contact's own name: leave it out")
		case rc.Contact != "" && !isContact:
			l.ref("report_schedule", field+".contact", "contact", rc.Contact, known)
		default:
			continue
		}
		whole = false
	}
	if whole { // the addresses, once every contact is known
		l.check("report_schedule", report.CheckRecipients(r.recipients(designEmails(d))))
	}
}

func (reportSchedules) write(ctx context.Context, w *writer, v any, id int64) error {
	stored, err := w.s.stores.Channels.Contacts(ctx, w.tenant) // created earlier in this apply
	if err != nil {
		return err
	}
	cs := map[string]string{}
	for _, c := range stored {
		cs[c.Name] = c.Email
	}
	r := v.(ReportSchedule)
	return w.s.stores.Reports.SetRecipients(ctx, w.tenant, r.recipients(cs))
}

func (reportSchedules) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.Reports.SetRecipients(ctx, tenant, nil)
}

func (reportSchedules) export(d *Design, v any) {
	r := v.(ReportSchedule)
	d.ReportSchedule = &r
}

// recipients are the addresses r names, a contact's being its e-mail
// (contacts: name → e-mail) under the contact's name.
func (r ReportSchedule) recipients(contacts map[string]string) []report.Recipient {
	out := make([]report.Recipient, len(r.Recipients))
	for i, rc := range r.Recipients {
		if rc.Contact != "" {
			out[i] = report.Recipient{Email: contacts[rc.Contact], Name: rc.Contact}
		} else {
			out[i] = report.Recipient{Email: rc.Email, Name: rc.Name}
		}
	}
	return out
}

// reportScheduleOf is the design form of stored recipients: by address,
// as the store lists them, and a contact's address with its name as
// contact (whichever way the files gave it, so both read the same).
func reportScheduleOf(list []report.Recipient, contacts map[string]string) ReportSchedule {
	sorted := append([]report.Recipient(nil), list...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Email < sorted[j].Email })
	r := ReportSchedule{Recipients: make([]ReportRecipient, len(sorted))}
	for i, rc := range sorted {
		if email, ok := contacts[rc.Name]; ok && email == rc.Email {
			r.Recipients[i] = ReportRecipient{Contact: rc.Name}
		} else {
			r.Recipients[i] = ReportRecipient{Email: rc.Email, Name: rc.Name}
		}
	}
	return r
}

// designEmails are the design's contacts' e-mail addresses, by name.
func designEmails(d *Design) map[string]string {
	out := map[string]string{}
	for _, c := range d.Contacts {
		out[c.Name] = c.Email
	}
	return out
}

package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/report"
)

// maxTopicRows bounds the topic rows one form may send.
const maxTopicRows = 50

// editReport replaces a draft's operator topics and closing comment. A row
// with neither title nor body is dropped, so the empty row the form always
// offers adds nothing; the report package refuses a body without a title.
func (c *Console) editReport(w http.ResponseWriter, r *http.Request, p *page) error {
	t, st, err := c.reportToChange(r, p)
	if err != nil {
		return err
	}
	titles, bodies := r.PostForm["topic_title"], r.PostForm["topic_body"]
	if len(titles) > maxTopicRows || len(bodies) != len(titles) {
		return refusedField("topic_title", "the form's topics do not match: reload the page")
	}
	topics := []report.Topic{}
	for i := range titles {
		tt, tb := strings.TrimSpace(titles[i]), strings.TrimSpace(bodies[i])
		if tt == "" && tb == "" {
			continue
		}
		topics = append(topics, report.Topic{Title: tt, Body: tb})
	}
	comment := r.PostFormValue("comment")
	if _, err := c.opts.ReportDesk.EditDraft(audited(r, p, t.ID, "update", "report", strconv.FormatInt(st.ID, 10), map[string]int{"topics": len(topics)}), t.ID, st.ID, report.Edit{Topics: &topics, Comment: &comment}); err != nil {
		return c.reportRefused(w, r, p, err)
	}
	p.Notice = p.L.T("rep.saved")
	return c.renderReport(w, r, p, http.StatusOK)
}

// publishReport renders the draft's HTML and PDF and freezes them.
func (c *Console) publishReport(w http.ResponseWriter, r *http.Request, p *page) error {
	t, st, err := c.reportToChange(r, p)
	if err != nil {
		return err
	}
	if _, err := c.opts.ReportDesk.Publish(audited(r, p, t.ID, "publish", "report", strconv.FormatInt(st.ID, 10), nil), t.ID, st.ID, p.P.Name); err != nil {
		return c.reportRefused(w, r, p, err)
	}
	p.Notice = p.L.T("rep.published_now")
	return c.renderReport(w, r, p, http.StatusOK)
}

// reportToChange is the report of the path, for MSP staff who may write.
func (c *Console) reportToChange(r *http.Request, p *page) (*model.Tenant, *report.Stored, error) {
	if _, err := c.tenant(r, p); err != nil {
		return nil, nil, err
	}
	if !staff(p) {
		return nil, nil, errForbidden
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return nil, nil, err
	}
	return c.report(r.Context(), r, p)
}

func (c *Console) reportRefused(w http.ResponseWriter, r *http.Request, p *page, err error) error {
	err = deskError(err)
	msg := refused(p, err)
	if msg == "" {
		return err
	}
	p.Error = msg
	return c.renderReport(w, r, p, http.StatusBadRequest)
}

// reportFile serves the report's HTML or PDF: a draft's rendered now, a
// published one's frozen bytes.
func (c *Console) reportFile(kind string) pageHandler {
	types := map[string]string{"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
	return func(w http.ResponseWriter, r *http.Request, p *page) error {
		t, st, err := c.report(r.Context(), r, p)
		if err != nil {
			return err
		}
		b, err := c.opts.ReportDesk.File(r.Context(), st, kind)
		if err != nil {
			return deskError(err)
		}
		h := w.Header()
		h.Set("Content-Type", types[kind])
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		// The report's HTML carries its own styles; it runs no script and
		// loads nothing from elsewhere.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; sandbox")
		disp := "inline"
		if kind == "pdf" {
			disp = "attachment"
		}
		h.Set("Content-Disposition", disp+`; filename="report-`+t.ID+`-`+strconv.FormatInt(st.ID, 10)+`.`+kind+`"`)
		w.Write(b)
		return nil
	}
}

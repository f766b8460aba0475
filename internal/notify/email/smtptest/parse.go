package smtptest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Message is a mail the server accepted, with its headers decoded and its
// text and HTML bodies extracted.
type Message struct {
	// Envelope and session.
	MailFrom string
	RcptTo   []string
	TLS      bool   // the session was encrypted (STARTTLS or implicit)
	AuthUser string // "" without SMTP AUTH

	Header      mail.Header
	Subject     string // decoded from RFC 2047
	From        []*mail.Address
	To          []*mail.Address
	ContentType string // media type of the whole message, e.g. "multipart/alternative"
	Text        string // decoded text/plain part
	HTML        string // decoded text/html part
	Raw         []byte
}

func parse(raw []byte) (*Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("cannot read message: %w", err)
	}
	m := &Message{Header: msg.Header, Raw: raw}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return nil, fmt.Errorf("cannot decode Subject: %w", err)
	}
	if m.From, err = msg.Header.AddressList("From"); err != nil {
		return nil, fmt.Errorf("cannot parse From: %w", err)
	}
	if m.To, err = msg.Header.AddressList("To"); err != nil {
		return nil, fmt.Errorf("cannot parse To: %w", err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("cannot parse Content-Type: %w", err)
	}
	m.ContentType = mediaType
	if err := m.readPart(mediaType, params, msg.Header.Get("Content-Transfer-Encoding"), msg.Body); err != nil {
		return nil, err
	}
	return m, nil
}

// readPart walks multiparts depth first, keeping the first text/plain and
// text/html leaves.
func (m *Message) readPart(mediaType string, params map[string]string, cte string, body io.Reader) error {
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("cannot read %s: %w", mediaType, err)
			}
			mt, ps, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
			if err != nil {
				return fmt.Errorf("cannot parse part Content-Type: %w", err)
			}
			if err := m.readPart(mt, ps, p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	b, err := io.ReadAll(decoder(cte, body))
	if err != nil {
		return fmt.Errorf("cannot decode %s body (%s): %w", mediaType, cte, err)
	}
	switch {
	case mediaType == "text/plain" && m.Text == "":
		m.Text = string(b)
	case mediaType == "text/html" && m.HTML == "":
		m.HTML = string(b)
	}
	return nil
}

func decoder(cte string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r) // skips line breaks itself
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

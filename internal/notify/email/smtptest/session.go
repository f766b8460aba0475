package smtptest

import (
	"fmt"
	"io"
	"slices"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, conn: c}, nil
}

// session is one SMTP conversation.
type session struct {
	s        *Server
	conn     *smtp.Conn
	authUser string
	from     string
	to       []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return ss.login(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: ss.login}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *session) login(user, pass string) error {
	if user != ss.s.opts.Username || pass != ss.s.opts.Password {
		return smtp.ErrAuthFailed
	}
	ss.authUser = user
	return nil
}

func (ss *session) tls() bool {
	_, ok := ss.conn.TLSConnectionState()
	return ok
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.RequireTLS && !ss.tls() {
		return errTLSRequired
	}
	if ss.s.opts.Username != "" && ss.authUser == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.s.nextFailure(); err != nil {
		return err
	}
	m, err := parse(raw)
	if err != nil {
		ss.s.rejected.Add(err.Error())
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: fmt.Sprint(errUnparseable, ": ", err)}
	}
	m.MailFrom, m.RcptTo = ss.from, slices.Clone(ss.to)
	m.TLS, m.AuthUser = ss.tls(), ss.authUser
	ss.s.messages.Add(m)
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// loginServer is the server side of the LOGIN mechanism, which go-sasl
// only implements for clients: ask for the user name, then the password.
type loginServer struct {
	check func(user, pass string) error
	step  int
	user  string
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step = 1
		if len(response) == 0 {
			return []byte("Username:"), false, nil
		}
		fallthrough // the client sent the user name as initial response
	case 1:
		l.user, l.step = string(response), 2
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(response))
	}
}

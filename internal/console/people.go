package console

import (
	"context"
	"sync"
)

// people names users by login for one page: what it shows was done by
// "user:alice", and a reader expects Alice's name. Each login is read once
// a page, when the page first asks for it.
type people struct {
	lookup func(login string) string
	mu     sync.Mutex
	names  map[string]string
}

// people returns the page's names of users, read from the store.
func (c *Console) people(ctx context.Context) *people {
	return &people{lookup: func(login string) string {
		u, err := c.opts.Store.UserByLogin(ctx, login)
		if err != nil || u.Name == "" {
			return login // a user since deleted, or one without a name
		}
		return u.Name
	}, names: map[string]string{}}
}

// name is the display name of login, or the login itself.
func (p *people) name(login string) string {
	if p == nil {
		return login
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n, ok := p.names[login]
	if !ok {
		n = p.lookup(login)
		p.names[login] = n
	}
	return n
}

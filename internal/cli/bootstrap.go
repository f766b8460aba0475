package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// bootstrapAdmin creates the first admin on a new installation, before the
// server listens: ready must mean the API takes the admin's credentials. It
// returns the password to show once (the random one, or a note that it was
// set), or "" when users already exist.
func bootstrapAdmin(ctx context.Context, store *storage.Store, password string) (string, error) {
	n, err := store.CountUsers(ctx)
	if err != nil {
		return "", err
	}
	if n > 0 {
		return "", nil
	}
	// A password the operator chose through UNYO_ADMIN_PASSWORD is theirs:
	// only the generated one, printed to whoever reads the console output,
	// makes the console ask the admin to change it.
	shown, generated := "(the one you set with UNYO_ADMIN_PASSWORD)", false
	if password == "" {
		password = auth.RandomPassword()
		shown, generated = password, true
	} else if err := model.ValidatePassword(password); err != nil {
		return "", fmt.Errorf("admin password: %w", err)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return "", err
	}
	u := &model.User{Login: "admin", Name: "Administrator", Role: model.RoleAdmin, PasswordHash: hash, PasswordMustChange: generated}
	u.Normalize()
	if err := store.CreateUser(ctx, u); err != nil {
		return "", fmt.Errorf("cannot create the first admin: %w", err)
	}
	return shown, nil
}

// printWelcome tells how to reach the server, and, on the first start, how
// to log in. The password is printed once, to stdout, never to the log.
func printWelcome(out io.Writer, url, shown string) {
	if shown == "" {
		fmt.Fprintf(out, "unyo is running: %s\n", url)
		return
	}
	fmt.Fprintf(out, "\nunyo is running: %s\n\n  First login   user: admin   password: %s\n\n  This password is shown only now. Keep it, or change it after logging in: %s/account/password\n\n", url, shown, url)
}

package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// bootstrapAdmin creates the first admin on a new installation and prints how
// to log in. The password is printed once, to stdout, never to the log.
func bootstrapAdmin(ctx context.Context, store *storage.Store, password, url string, out io.Writer) error {
	n, err := store.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(out, "unyo is running: %s\n", url)
		return nil
	}
	shown := "(the one you set with UNYO_ADMIN_PASSWORD)"
	if password == "" {
		password = auth.RandomPassword()
		shown = password
	} else if err := model.ValidatePassword(password); err != nil {
		return fmt.Errorf("admin password: %w", err)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	u := &model.User{Login: "admin", Name: "Administrator", Role: model.RoleAdmin, PasswordHash: hash}
	u.Normalize()
	if err := store.CreateUser(ctx, u); err != nil {
		return fmt.Errorf("cannot create the first admin: %w", err)
	}
	fmt.Fprintf(out, "\nunyo is running: %s\n\n  First login   user: admin   password: %s\n\n  This password is shown only now. Keep it, or change it after logging in: %s/account/password\n\n", url, shown, url)
	return nil
}

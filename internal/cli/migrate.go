package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"syscall"

	"github.com/unyo-ops/unyo/internal/database"
)

// runMigrate copies a stopped installation's state from one database to
// another, e.g. from its SQLite file to PostgreSQL, and prints per table
// the rows copied and the checksum both sides agree on.
func runMigrate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("unyo migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "database to copy from, e.g. sqlite:///var/lib/unyo/unyo.db (the server on it stopped)")
	to := fs.String("to", "", "empty database to copy into, e.g. postgres://unyo@db.example/unyo")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *from == "" || *to == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "unyo migrate: give --from and --to, e.g. --from sqlite:///data/unyo.db --to postgres://unyo@localhost/unyo")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := migrate(ctx, *from, *to, stdout); err != nil {
		fmt.Fprintln(stderr, "unyo migrate:", err)
		return 1
	}
	return 0
}

func migrate(ctx context.Context, from, to string, stdout io.Writer) error {
	src, err := database.Open(ctx, from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := database.Open(ctx, to)
	if err != nil {
		return err
	}
	defer dst.Close()
	tables, err := database.Copy(ctx, src, dst)
	if err != nil {
		return err
	}
	var total int64
	fmt.Fprintf(stdout, "%-24s %10s  %s\n", "table", "rows", "checksum")
	for _, t := range tables {
		fmt.Fprintf(stdout, "%-24s %10d  %016x\n", t.Table, t.TargetRows, t.TargetChecksum)
		total += t.TargetRows
	}
	fmt.Fprintf(stdout, "copied %d rows in %d tables from %s to %s; row counts and checksums match\n",
		total, len(tables), database.Redact(from), database.Redact(to))
	return nil
}

// Command unyo is the operations platform for managed service providers.
package main

import (
	"os"

	"github.com/unyo-ops/unyo/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
}

package cli

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"github.com/unyo-ops/unyo/internal/agent/confine"
	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/datadir"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/secret"
)

// exposureConfig is what the server admin allows the server itself to
// reach and where its sealing key comes from (docs/security.md, "Server
// exposure, data files and keys").
type exposureConfig struct {
	secretKeyFile string
	selfLogPaths  string
	selfTargets   string
	self          *confine.Policy // parsed from selfLogPaths and selfTargets
}

func (c *exposureConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.secretKeyFile, "secret-key-file", env("UNYO_SECRET_KEY_FILE", ""),
		"file holding the key that seals stored secrets, kept apart from the data directory and backed up apart from the database (env UNYO_SECRET_KEY_FILE; default: UNYO_SECRET_KEY, else DATA/secret.key)")
	fs.StringVar(&c.selfLogPaths, "self-log-paths", env("UNYO_SELF_LOG_PATHS", ""),
		"comma-separated globs of the files the server's own agent (tenant self) may tail, e.g. /var/log/nginx/*.log (env UNYO_SELF_LOG_PATHS; default none)")
	fs.StringVar(&c.selfTargets, "self-targets", env("UNYO_SELF_TARGETS", ""),
		"comma-separated CIDRs and host names the server's own agent may check (HTTP, TCP, DNS) and scrape, e.g. 127.0.0.1/32,db1.example.com (env UNYO_SELF_TARGETS; default none)")
}

// parse checks the flags, so that a bad one stops the server before it listens.
func (c *exposureConfig) parse() error {
	p, err := confine.Parse(c.selfLogPaths, c.selfTargets)
	if err != nil {
		return fmt.Errorf("--self-log-paths, --self-targets: %w", err)
	}
	c.self = p
	return nil
}

// prepareDataDir makes the data directory private before anything is
// created in it (internal/datadir).
func prepareDataDir(cfg *serverConfig, logger *slog.Logger) error {
	return datadir.Prepare(cfg.dataDir, logger)
}

// openSecrets returns the box that seals stored secrets. The key comes from
// --secret-key-file, else UNYO_SECRET_KEY, else DATA/secret.key (made on the
// first start). It is read once: the variable is then removed from the
// environment, so that no child process (the PDF browser) inherits it.
func openSecrets(cfg *serverConfig, logger *slog.Logger) (*secret.Box, error) {
	var key []byte
	var err error
	source := ""
	switch {
	case cfg.exposure.secretKeyFile != "":
		source = "file " + cfg.exposure.secretKeyFile
		datadir.CheckKeyFile(cfg.exposure.secretKeyFile, logger)
		key, err = secret.ReadKeyFile(cfg.exposure.secretKeyFile)
	case os.Getenv("UNYO_SECRET_KEY") != "":
		source = "environment UNYO_SECRET_KEY"
		key, err = secret.LoadKey(os.Getenv("UNYO_SECRET_KEY"), "")
	default:
		path := filepath.Join(cfg.dataDir, "secret.key")
		source = "file " + path
		datadir.CheckKeyFile(path, logger)
		key, err = secret.LoadKey("", path)
	}
	os.Unsetenv("UNYO_SECRET_KEY")
	if err != nil {
		return nil, fmt.Errorf("cannot load the secret key: %w", err)
	}
	logger.Info("secret key loaded", "source", source)
	return secret.New(key)
}

// metricsAdmin is who reads the tenant-labelled series of /metrics: a
// caller of every tenant with the admin scope (the MSP admin's login or an
// MSP-wide admin token). Anyone else gets the server's metrics without them.
func metricsAdmin(authn *auth.Authenticator) func(*http.Request) bool {
	return func(r *http.Request) bool {
		if r.Header.Get("Authorization") == "" {
			return false
		}
		p, err := authn.Authenticate(r)
		return err == nil && p.Global() && p.Can(model.ScopeAdmin)
	}
}

package cli

import (
	"log/slog"
	"time"

	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/backup/aws"
	"github.com/unyo-ops/unyo/internal/backup/azure"
	"github.com/unyo-ops/unyo/internal/backup/exporter"
	"github.com/unyo-ops/unyo/internal/backup/poller"
)

// backupSources builds the poller of the backup policies' sources: Azure
// Backup and AWS Backup through the outbound policy's client (a tenant's
// account cannot make the server call an internal address), every call
// counted; an exporter's metric from the tenant's own series.
// UNYO_BACKUP_POLL_INTERVAL shortens the round (tests); the default is 5m.
func (a *app) backupSources(logger *slog.Logger) *poller.Poller {
	client := a.egress.Client(2 * time.Minute)
	fetchers := map[backup.SourceKind]poller.Fetcher{
		backup.SourceAzure:  azure.New(poller.CountCalls(client, backup.SourceAzure, a.reg)),
		backup.SourceAWS:    aws.New(poller.CountCalls(client, backup.SourceAWS, a.reg)),
		backup.SourceMetric: exporter.New(a.metrics.ForTenant),
	}
	return poller.New(a.backups, a.clouds, fetchers, poller.Options{
		Interval: envDuration("UNYO_BACKUP_POLL_INTERVAL", 5*time.Minute), Registerer: a.reg,
	}, logger)
}

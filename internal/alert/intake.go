package alert

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	istorage "github.com/unyo-ops/unyo/internal/storage"
)

// Signal is one alert state an external monitoring system reports.
type Signal struct {
	Source      Source
	Fingerprint string // the sender's identity of the alert; a hash of Labels when it has none
	Status      State  // firing or resolved
	Severity    Severity
	// RawSeverity is the sender's own name for the severity, when the
	// decoder leaves it to the tenant's severity map (Severity is then "").
	RawSeverity string
	Name        string // the alert's name (alertname, alert rule)
	// Title is the name in both languages, for the server's own signals
	// (a backup policy's, an operation plan's): each reader sees it in
	// theirs. Empty: Name, as the sender wrote it, in both.
	Title   Text
	Summary string // what the sender says of the alert, in its words
	// Summaries is the summary in both languages, for the server's own
	// signals: each reader sees theirs. Empty: Summary, in both.
	Summaries  Text
	Resource   string // a resource name to match, when the payload names one
	RunbookURL string
	Labels     map[string]string
	StartsAt   time.Time // zero: now
}

// said is the signal's summary as the alert's value text: the sender's,
// else unyo's own in English.
func (s Signal) said() string {
	if s.Summary != "" {
		return s.Summary
	}
	return s.Summaries.In("en")
}

// labelFingerprint identifies an alert by its labels alone.
func labelFingerprint(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%s\xff%s\xff", k, m[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// parseSeverity reads the severities senders use; "" is warning.
func parseSeverity(field, s string) (Severity, error) {
	switch strings.ToLower(s) {
	case "critical", "error", "page", "high", "disaster":
		return SeverityCritical, nil
	case "warning", "warn", "", "average", "medium":
		return SeverityWarning, nil
	case "info", "informational", "low", "none", "notice":
		return SeverityInfo, nil
	}
	return "", invalid.New(field, "must be critical, warning or info, not %q", s)
}

// IntakeResult counts what one intake request did.
type IntakeResult struct {
	Received int `json:"received"`
	Opened   int `json:"opened"`   // new firing alerts
	Resolved int `json:"resolved"` // alerts resolved
	Unknown  int `json:"unknown"`  // resolutions of alerts that were not open: ignored
}

// Intake puts signals of tenant into the pipeline: a firing signal opens an
// alert, or updates the open one of the same fingerprint; a resolved signal
// resolves it. A sender's retries are therefore harmless.
func (e *Engine) Intake(ctx context.Context, tenant string, signals []Signal) (IntakeResult, error) {
	res := IntakeResult{Received: len(signals)}
	byName, err := e.resourcesByName(ctx, tenant)
	if err != nil {
		return res, err
	}
	if err := e.mapSeverities(ctx, tenant, signals); err != nil {
		return res, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.opts.Now()
	for _, s := range signals {
		fp := string(s.Source) + ":" + s.Fingerprint
		cur, err := e.current(ctx, tenant, fp)
		if err != nil {
			return res, err
		}
		switch {
		case s.Status == StateResolved && cur == nil:
			res.Unknown++
		case s.Status == StateResolved:
			e.commit(ctx, nil, cur, &change{from: cur.State, to: StateResolved, reason: ReasonIntake, severity: cur.Severity, valueText: s.said(), valueTexts: s.Summaries}, now)
			res.Resolved++
		case cur == nil:
			e.commit(ctx, e.intakeAlert(tenant, fp, s, byName, now), nil, &change{to: StateFiring, reason: ReasonIntake, severity: s.Severity, valueText: s.said(), valueTexts: s.Summaries}, now)
			res.Opened++
		case cur.Severity != s.Severity:
			e.commit(ctx, nil, cur, &change{from: cur.State, to: StateFiring, reason: ReasonSeverity, severity: s.Severity, valueText: s.said(), valueTexts: s.Summaries}, now)
		case !cur.Announced:
			// Senders repeat firing alerts (Alertmanager's repeat_interval):
			// each repeat is a chance to release one that was held.
			e.release(ctx, cur, now)
		}
	}
	return res, nil
}

// mapSeverities gives the signals whose severity the decoder left to the
// tenant their severity by the tenant's map (a name the map does not know
// takes its Unknown severity), and the alert keeps the sender's name as the
// original_severity label: one odd alert must neither refuse the sender's
// batch nor be lost.
func (e *Engine) mapSeverities(ctx context.Context, tenant string, signals []Signal) error {
	var table *SeverityMap
	for i := range signals {
		s := &signals[i]
		if s.Severity != "" {
			continue
		}
		if table == nil {
			m, err := e.store.SeverityMap(ctx, tenant)
			if err != nil {
				return err
			}
			table = &m
		}
		s.Severity = table.resolve(s.RawSeverity)
		lbls := make(map[string]string, len(s.Labels)+1)
		maps.Copy(lbls, s.Labels)
		lbls[OriginalSeverityLabel] = s.RawSeverity
		s.Labels = lbls
	}
	return nil
}

func (e *Engine) intakeAlert(tenant, fp string, s Signal, byName map[string]resourceRef, now time.Time) *Alert {
	a := &Alert{
		TenantID: tenant, Fingerprint: fp, Source: s.Source, Resource: s.Resource,
		Title: s.Title, Labels: s.Labels, RunbookURL: s.RunbookURL, StartedAt: s.StartsAt,
	}
	if a.Title == (Text{}) {
		a.Title = Text{Ja: s.Name, En: s.Name}
	}
	if a.StartedAt.IsZero() || a.StartedAt.After(now) {
		a.StartedAt = now
	}
	if ref, ok := byName[s.Resource]; ok {
		a.ResourceID, a.ServiceID = ref.id, ref.service
	}
	return a
}

type resourceRef struct{ id, service int64 }

func (e *Engine) resourcesByName(ctx context.Context, tenant string) (map[string]resourceRef, error) {
	list, err := e.dir.Resources(ctx, tenant, istorage.ResourceFilter{})
	if err != nil {
		return nil, fmt.Errorf("alert: unable to list resources: %w", err)
	}
	m := make(map[string]resourceRef, len(list))
	for _, r := range list {
		ref := resourceRef{id: r.ID}
		if r.ServiceID != nil {
			ref.service = *r.ServiceID
		}
		m[r.Name] = ref
	}
	return m, nil
}

// hostOf strips the port of an instance label: web-01:9100 is web-01.
func hostOf(instance string) string {
	if i := strings.LastIndexByte(instance, ':'); i > 0 && !strings.Contains(instance[i:], "]") {
		return instance[:i]
	}
	return instance
}

package backupitem

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Job is the body the agent posts to the backup jobs API.
type Job struct {
	Policy     string    `json:"policy"`
	Status     Status    `json:"status"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	SizeBytes  int64     `json:"size_bytes"`
	ExternalID string    `json:"external_id"`
	Message    string    `json:"message,omitempty"`
	Source     string    `json:"source"`
}

// JobOf is the job of r for policy; host and item make its external ID
// unique and the same at every retry.
func JobOf(r Result, policy, host, item string) Job {
	return Job{Policy: policy, Status: r.Status, StartedAt: r.StartedAt.UTC(), FinishedAt: r.FinishedAt.UTC(), SizeBytes: r.SizeBytes,
		ExternalID: clip(host+"/"+item+"/"+r.ID, 256), Message: clip(r.Message, 4000), Source: "agent"}
}

// Reporter posts jobs to the server with the agent's token, which has the
// ingest scope; the tenant is the token's, asked once.
type Reporter struct {
	Client *http.Client
	// Backoff is the first wait after a failed post; it doubles up to
	// MaxBackoff, and a job is given up after Attempts posts.
	Backoff, MaxBackoff time.Duration
	Attempts            int

	mu     sync.Mutex
	tenant map[string]string // server+token → tenant
}

// NewReporter returns a Reporter with a 30s timeout per request.
func NewReporter() *Reporter {
	return &Reporter{Client: &http.Client{Timeout: 30 * time.Second}, Backoff: 5 * time.Second, MaxBackoff: 5 * time.Minute,
		Attempts: 10, tenant: map[string]string{}}
}

// permanent is a refusal that a retry would not change (no such policy).
type permanent struct{ error }

// Report posts j until the server takes it, refuses it for good, the
// attempts run out or ctx ends.
func (r *Reporter) Report(ctx context.Context, server, token string, j Job) error {
	wait := r.Backoff
	var err error
	for i := 0; i < r.Attempts; i++ {
		if err = r.post(ctx, server, token, j); err == nil {
			return nil
		}
		if _, ok := err.(permanent); ok {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(wait*2, r.MaxBackoff)
	}
	return err
}

func (r *Reporter) post(ctx context.Context, server, token string, j Job) error {
	server = strings.TrimRight(server, "/")
	tenant, err := r.tenantOf(ctx, server, token)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(j)
	code, answer, err := r.do(ctx, http.MethodPost, server+"/api/v1/tenants/"+url.PathEscape(tenant)+"/backups/jobs", token, body)
	switch {
	case err != nil:
		return err
	case code == http.StatusOK || code == http.StatusCreated: // 200: sent before, stored once
		return nil
	case code == http.StatusTooManyRequests || code >= 500:
		return fmt.Errorf("backup job: server answered %d: %s", code, answer)
	}
	return permanent{fmt.Errorf("backup job refused: %d: %s", code, answer)}
}

func (r *Reporter) tenantOf(ctx context.Context, server, token string) (string, error) {
	r.mu.Lock()
	t, ok := r.tenant[server+"\x00"+token]
	r.mu.Unlock()
	if ok {
		return t, nil
	}
	code, answer, err := r.do(ctx, http.MethodGet, server+"/api/v1/whoami", token, nil)
	if err != nil {
		return "", err
	}
	if code != http.StatusOK {
		return "", fmt.Errorf("backup job: whoami answered %d: %s", code, answer)
	}
	var who struct {
		Tenant string `json:"tenant"`
	}
	if err := json.Unmarshal(answer, &who); err != nil || who.Tenant == "" {
		return "", permanent{fmt.Errorf("backup job: the token names no tenant: %s", answer)}
	}
	r.mu.Lock()
	r.tenant[server+"\x00"+token] = who.Tenant
	r.mu.Unlock()
	return who.Tenant, nil
}

func (r *Reporter) do(ctx context.Context, method, u, token string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, permanent{err}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.Client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("backup job: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, bytes.TrimSpace(answer), nil
}

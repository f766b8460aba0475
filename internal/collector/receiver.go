package collector

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"

	"github.com/unyo-ops/unyo/internal/agent/buffer"
	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/agent/sender"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// Bounds of one request to the receiver: a remote-write body as sent, and
// decompressed. Prometheus sends at most a few hundred kilobytes.
const (
	maxBody    = 8 << 20
	maxDecoded = 64 << 20
)

// newServer is the receiver: the paths of unyo server an agent or a
// Prometheus sends to, so that pointing them at the collector is all it
// takes. Senders are not asked for a token: whatever they send lands in
// the collector's tenant, through the collector's own token.
func (c *Collector) newServer() *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+sender.WritePath, c.serveWrite)
	mux.HandleFunc("POST "+sender.EventsPath, c.serveEvents)
	mux.HandleFunc("GET /api/v1/agent/config", c.serveAgentConfig)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	return &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
}

// DecodeWrite checks a remote-write 1.0 body (snappy-compressed
// prompb.WriteRequest) and returns its sample count; the body is stored
// as it came, so a broken one must be refused here, not by the server
// after the outage.
func DecodeWrite(body []byte) (int, error) {
	n, err := snappy.DecodedLen(body)
	if err != nil {
		return 0, invalid.New("body", "is not snappy-compressed: %v", err)
	}
	if n > maxDecoded {
		return 0, invalid.New("body", "decompresses to %d bytes, more than %d", n, maxDecoded)
	}
	raw, err := snappy.Decode(nil, body)
	if err != nil {
		return 0, invalid.New("body", "is not snappy-compressed: %v", err)
	}
	var req prompb.WriteRequest
	if err := req.Unmarshal(raw); err != nil {
		return 0, invalid.New("body", "is not a remote-write 1.0 WriteRequest: %v", err)
	}
	samples := 0
	for _, ts := range req.Timeseries {
		if len(ts.Labels) == 0 {
			return 0, invalid.New("timeseries", "a series without labels")
		}
		samples += len(ts.Samples)
	}
	return samples, nil
}

func (c *Collector) serveWrite(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); strings.Contains(ct, "io.prometheus.write.v2") {
		c.refuse(w, http.StatusUnsupportedMediaType, invalid.New("Content-Type", "remote write 2.0 is not taken: send 1.0 (protobuf_message: prometheus.WriteRequest)"))
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		c.refuse(w, http.StatusRequestEntityTooLarge, err)
		return
	}
	n, err := DecodeWrite(body)
	if err != nil {
		c.refuse(w, http.StatusBadRequest, err)
		return
	}
	if !c.store(w, append([]byte{sender.KindSamples}, body...)) {
		return
	}
	c.receivedSamples.Add(uint64(n))
	w.WriteHeader(http.StatusNoContent)
}

// serveEvents takes the agents' log events, as the server's events endpoint does.
func (c *Collector) serveEvents(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		c.refuse(w, http.StatusRequestEntityTooLarge, err)
		return
	}
	var evs []sample.Event
	if err := json.Unmarshal(body, &evs); err != nil {
		c.refuse(w, http.StatusBadRequest, invalid.New("body", "is not a JSON array of events: %v", err))
		return
	}
	rec, err := sender.EncodeEvents(evs)
	if err != nil {
		c.refuse(w, http.StatusBadRequest, invalid.New("body", "%v", err))
		return
	}
	if !c.store(w, rec) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"added":%d}`+"\n", len(evs))
}

// store appends rec to the buffer, or answers why not: a full disk is the
// sender's to retry (503), a record over the buffer's bound is not (413).
func (c *Collector) store(w http.ResponseWriter, rec []byte) bool {
	err := c.buf.Append(rec)
	switch {
	case err == nil:
		c.received.Add(1)
		return true
	case errors.Is(err, buffer.ErrTooLarge):
		c.refuse(w, http.StatusRequestEntityTooLarge, invalid.New("body", "is larger than the collector's buffer takes in one record"))
	default:
		c.logger.Error("collector: cannot buffer a received batch", "err", err)
		c.refuse(w, http.StatusServiceUnavailable, errors.New("the collector cannot store the batch now; retry"))
	}
	return false
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, invalid.New("body", "cannot be read (at most %d bytes): %v", maxBody, err)
	}
	return body, nil
}

// refuse answers with the JSON error body of unyo server: the field and the reason.
func (c *Collector) refuse(w http.ResponseWriter, status int, err error) {
	c.rejected.Add(1)
	out := map[string]string{"error": err.Error()}
	if ie, ok := invalid.As(err); ok {
		out["error"], out["field"] = ie.Reason, ie.Field
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(out)
}

// serveAgentConfig passes an agent's configuration pull on to the server
// with the collector's token, so that an agent that can reach only the
// collector is configured by the server too: the host is looked up in the
// collector's tenant. While the server is away the agent keeps its last one.
func (c *Collector) serveAgentConfig(w http.ResponseWriter, r *http.Request) {
	server, token, _ := c.target()
	if server == "" {
		c.refuse(w, http.StatusServiceUnavailable, errors.New("the collector has no server"))
		return
	}
	u := strings.TrimRight(server, "/") + "/api/v1/agent/config?host=" + url.QueryEscape(r.URL.Query().Get("host"))
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, u, nil)
	if err != nil {
		c.refuse(w, http.StatusBadRequest, invalid.New("host", "%v", err))
		return
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if tag := r.Header.Get("If-None-Match"); tag != "" {
		req.Header.Set("If-None-Match", tag)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.refuse(w, http.StatusBadGateway, fmt.Errorf("the server is not reachable from the collector: %w", err))
		return
	}
	defer resp.Body.Close()
	for _, h := range []string{"Content-Type", "ETag"} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, io.LimitReader(resp.Body, 4<<20))
}

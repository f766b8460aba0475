package sender

import (
	"context"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// RemoteWrite returns a Sink that encodes the samples as the sender does
// (remote write, with host="<host>" on every series) and hands the body to
// ingest, e.g. the server's remotewrite.Handler.Ingest: values polled by the
// server take the agents' path, limits and alert evaluation included.
func RemoteWrite(ingest func(ctx context.Context, tenant string, body []byte) error) sample.Sink {
	return func(ctx context.Context, tenant, host string, samples []sample.Sample) error {
		rec, err := EncodeSamples(samples, sample.Labels("host", host))
		if err != nil {
			return err
		}
		return ingest(ctx, tenant, rec[1:]) // the first byte is the buffer's record kind
	}
}

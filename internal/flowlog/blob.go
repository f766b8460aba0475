package flowlog

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// Blob storage, as this package speaks it.
const (
	// BlobAPIVersion is the x-ms-version of every call.
	BlobAPIVersion = "2021-08-06"
	// DefaultBlobEndpoint is the public cloud's blob host; {account} is
	// the storage account's name.
	DefaultBlobEndpoint = "https://{account}.blob.core.windows.net"
	// DefaultStorageAudience is what the tokens are issued for.
	DefaultStorageAudience = "https://storage.azure.com"
	// The containers Azure writes the flow logs to.
	NSGContainer  = "insights-logs-networksecuritygroupflowevent"
	VNetContainer = "insights-logs-flowlogflowevent"
	// listPages bounds one listing, so a NextMarker that loops cannot
	// hold the pull.
	listPages = 100
	// maxRead bounds the bytes read from one blob in one pull; the rest
	// is read at the next (a blob of an hour is a few MB at most).
	maxRead = 64 << 20
)

// blobClient reads one storage account's blobs with the account's
// credential, on azcore's pipeline.
type blobClient struct {
	pl   runtime.Pipeline
	base string // https://{account}.blob.core.windows.net, no trailing slash
}

// blobItem is one blob a listing returned.
type blobItem struct {
	Name string
	Size int64
}

// listResult is List Blobs' XML answer.
type listResult struct {
	XMLName xml.Name `xml:"EnumerationResults"`
	Blobs   []struct {
		Name       string `xml:"Name"`
		Properties struct {
			ContentLength int64 `xml:"Content-Length"`
		} `xml:"Properties"`
	} `xml:"Blobs>Blob"`
	NextMarker string `xml:"NextMarker"`
}

// StorageError is an error answer of Blob storage: its status and the
// x-ms-error-code (ContainerNotFound, AuthorizationPermissionMismatch...).
type StorageError struct {
	Status  int
	Code    string
	Message string
}

func (e *StorageError) Error() string {
	return fmt.Sprintf("blob storage %d %s: %s", e.Status, e.Code, e.Message)
}

// Throttled reports whether the service asked to slow down.
func (e *StorageError) Throttled() bool {
	return e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable
}

// list returns the blobs of container under prefix, every page.
func (c *blobClient) list(ctx context.Context, container, prefix string, st *stats) ([]blobItem, error) {
	var out []blobItem
	marker := ""
	for page := 0; ; page++ {
		if page == listPages {
			return nil, fmt.Errorf("flowlog: list %s: more than %d pages", prefix, listPages)
		}
		q := url.Values{"restype": {"container"}, "comp": {"list"}, "prefix": {prefix}}
		if marker != "" {
			q.Set("marker", marker)
		}
		req, err := c.request(ctx, "/"+container, q)
		if err != nil {
			return nil, err
		}
		st.call("list")
		resp, err := c.pl.Do(req)
		if err != nil {
			return nil, fmt.Errorf("flowlog: list %s: %w", prefix, err)
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("flowlog: list %s: %w", prefix, storageError(resp))
		}
		var res listResult
		err = xml.NewDecoder(io.LimitReader(resp.Body, 32<<20)).Decode(&res)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("flowlog: list %s: %w", prefix, err)
		}
		for _, b := range res.Blobs {
			out = append(out, blobItem{Name: b.Name, Size: b.Properties.ContentLength})
		}
		if res.NextMarker == "" {
			return out, nil
		}
		marker = res.NextMarker
	}
}

// read returns the bytes of blob name from offset from up to size (its
// length as listed), at most maxRead of them.
func (c *blobClient) read(ctx context.Context, container, name string, from, size int64, st *stats) ([]byte, error) {
	to := min(size, from+maxRead) - 1
	req, err := c.request(ctx, "/"+container+"/"+name, nil)
	if err != nil {
		return nil, err
	}
	req.Raw().Header.Set("Range", fmt.Sprintf("bytes=%d-%d", from, to))
	st.call("get")
	resp, err := c.pl.Do(req)
	if err != nil {
		return nil, fmt.Errorf("flowlog: get %s: %w", name, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
		// Content-Range: bytes 100-199/4096 — the range asked for.
		cr := resp.Header.Get("Content-Range")
		start, ok := strings.CutPrefix(cr, fmt.Sprintf("bytes %d-", from))
		if !ok || start == "" {
			return nil, fmt.Errorf("flowlog: get %s: Content-Range %q for bytes %d-%d", name, cr, from, to)
		}
	case http.StatusOK:
		if from != 0 { // a whole blob for a range: the service ignored it
			return nil, fmt.Errorf("flowlog: get %s: 200 for a range from %d", name, from)
		}
	default:
		return nil, fmt.Errorf("flowlog: get %s: %w", name, storageError(resp))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, to-from+1))
	if err != nil {
		return nil, fmt.Errorf("flowlog: get %s: %w", name, err)
	}
	st.read(len(data))
	return data, nil
}

// request is a GET of path (escaped here) on the account, with the
// service version every call needs.
func (c *blobClient) request(ctx context.Context, path string, q url.Values) (*policy.Request, error) {
	u := c.base + (&url.URL{Path: path}).EscapedPath()
	if q != nil {
		u += "?" + q.Encode()
	}
	req, err := runtime.NewRequest(ctx, http.MethodGet, u)
	if err != nil {
		return nil, fmt.Errorf("flowlog: %w", err)
	}
	req.Raw().Header.Set("x-ms-version", BlobAPIVersion)
	return req, nil
}

// storageError reads an error answer: the code from x-ms-error-code or
// the XML body, and, for a throttle, how long to wait.
func storageError(resp *http.Response) error {
	defer resp.Body.Close()
	var body struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	_ = xml.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body)
	e := &StorageError{Status: resp.StatusCode, Code: resp.Header.Get("x-ms-error-code"), Message: strings.TrimSpace(body.Message)}
	if e.Code == "" {
		e.Code = body.Code
	}
	if e.Throttled() {
		return &throttledError{err: e, after: retryAfter(resp.Header.Get("Retry-After"))}
	}
	return e
}

// throttledError is a StorageError asking to slow down, with the pause
// it asked for (0 when it did not say).
type throttledError struct {
	err   *StorageError
	after time.Duration
}

func (e *throttledError) Error() string { return e.err.Error() }
func (e *throttledError) Unwrap() error { return e.err }

// retryAfter reads Retry-After in seconds, at most an hour.
func retryAfter(v string) time.Duration {
	s, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || s <= 0 {
		return 0
	}
	return min(time.Duration(s)*time.Second, time.Hour)
}

// notFound reports whether err is Blob storage's 404 (the container or
// blob is not there).
func notFound(err error) bool {
	var se *StorageError
	return errors.As(err, &se) && se.Status == http.StatusNotFound
}

package facts

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// AzureAPIVersion is the Azure IMDS API version the agent asks for; IMDS
// refuses a request without one.
const AzureAPIVersion = "2021-02-01"

// client talks to a metadata service: never through a proxy (an HTTP proxy
// set for the host must not see, or answer for, the link-local address) and
// never following redirects.
func client(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		Transport:     &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Azure asks Azure's instance metadata service at base for the VM's compute
// facts. It needs the header Metadata: true and an api-version.
func Azure(ctx context.Context, base string, timeout time.Duration) (*Cloud, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/metadata/instance/compute?api-version="+AzureAPIVersion, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Metadata", "true")
	body, err := do(client(timeout), req)
	if err != nil {
		return nil, fmt.Errorf("azure imds: %w", err)
	}
	return parseAzure(body)
}

// parseAzure reads IMDS's compute document.
func parseAzure(body []byte) (*Cloud, error) {
	var c struct {
		Location string `json:"location"`
		VMID     string `json:"vmId"`
		VMSize   string `json:"vmSize"`
		TagsList []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"tagsList"`
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, fmt.Errorf("azure imds: %w", err)
	}
	if c.VMID == "" {
		return nil, fmt.Errorf("azure imds: no vmId in the answer")
	}
	cl := &Cloud{Provider: "azure", Region: c.Location, InstanceID: c.VMID, VMSize: c.VMSize}
	for _, t := range c.TagsList {
		if cl.Tags == nil {
			cl.Tags = map[string]string{}
		}
		cl.Tags[t.Name] = t.Value
	}
	return cl, nil
}

// AWS asks EC2's instance metadata service at base, the IMDSv2 way: a
// session token by PUT first, then every read with that token (IMDSv1,
// without the token, is often switched off).
func AWS(ctx context.Context, base string, timeout time.Duration) (*Cloud, error) {
	base = strings.TrimRight(base, "/")
	c := client(timeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, base+"/latest/api/token", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-aws-ec2-metadata-token-ttl-seconds", "60")
	tok, err := do(c, req)
	if err != nil {
		return nil, fmt.Errorf("aws imds: token: %w", err)
	}
	get := func(path string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("X-aws-ec2-metadata-token", string(tok))
		return do(c, req)
	}
	body, err := get("/latest/dynamic/instance-identity/document")
	if err != nil {
		return nil, fmt.Errorf("aws imds: identity document: %w", err)
	}
	cl, err := parseAWSIdentity(body)
	if err != nil {
		return nil, err
	}
	// Tags are in the metadata only when the instance allows it; a 404
	// here is normal and means no tags.
	if keys, err := get("/latest/meta-data/tags/instance"); err == nil {
		// One key a line; a key may hold spaces.
		for _, k := range strings.Split(strings.TrimSpace(string(keys)), "\n") {
			if k = strings.TrimSpace(k); k == "" || len(cl.Tags) == MaxTags {
				continue
			}
			if v, err := get("/latest/meta-data/tags/instance/" + url.PathEscape(k)); err == nil {
				if cl.Tags == nil {
					cl.Tags = map[string]string{}
				}
				cl.Tags[k] = string(v)
			}
		}
	}
	return cl, nil
}

// parseAWSIdentity reads EC2's instance identity document.
func parseAWSIdentity(body []byte) (*Cloud, error) {
	var doc struct {
		InstanceID   string `json:"instanceId"`
		InstanceType string `json:"instanceType"`
		Region       string `json:"region"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("aws imds: identity document: %w", err)
	}
	if doc.InstanceID == "" {
		return nil, fmt.Errorf("aws imds: no instanceId in the identity document")
	}
	return &Cloud{Provider: "aws", Region: doc.Region, InstanceID: doc.InstanceID, VMSize: doc.InstanceType}, nil
}

func do(c *http.Client, req *http.Request) ([]byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %.200s", resp.Status, body)
	}
	return body, nil
}

// Package imdsfake serves contract fakes of the Azure and AWS instance
// metadata services, for the tests of package facts and the end-to-end
// enrollment. Each refuses what the real service refuses: Azure answers 400
// without the header Metadata: true or without api-version, or with
// X-Forwarded-For; AWS (IMDSv2 required) answers 401 to a read without a
// valid session token, 400 to a token PUT without a TTL in 1..21600 or with
// X-Forwarded-For, and 405 to a token asked by GET.
package imdsfake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
)

// Instance is what a fake tells about its VM.
type Instance struct {
	ID     string
	Region string
	Size   string
	Tags   map[string]string
}

// Server is a running fake; Refused counts the requests it turned down for
// breaking the contract.
type Server struct {
	*httptest.Server
	Refused atomic.Int64
}

func (s *Server) refuse(w http.ResponseWriter, status int, msg string) {
	s.Refused.Add(1)
	http.Error(w, msg, status)
}

// Azure starts a fake of Azure's IMDS for inst. Close it when done.
func Azure(inst Instance) *Server {
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("X-Forwarded-For") != "":
			s.refuse(w, http.StatusBadRequest, `{"error":"Bad request. X-Forwarded-For header is not allowed"}`)
			return
		case r.Header.Get("Metadata") != "true":
			s.refuse(w, http.StatusBadRequest, `{"error":"Bad request. Required metadata header not specified"}`)
			return
		case r.URL.Query().Get("api-version") == "":
			s.refuse(w, http.StatusBadRequest, `{"error":"Bad request. api-version was not specified in the request"}`)
			return
		case r.Method != http.MethodGet:
			s.refuse(w, http.StatusMethodNotAllowed, `{"error":"Method not allowed"}`)
			return
		}
		type tag struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		}
		tags := []tag{}
		var flat []string
		for _, k := range sortedKeys(inst.Tags) {
			tags = append(tags, tag{k, inst.Tags[k]})
			flat = append(flat, k+":"+inst.Tags[k])
		}
		compute := map[string]any{"location": inst.Region, "vmId": inst.ID, "vmSize": inst.Size,
			"osType": "Linux", "name": "vm-" + inst.ID, "tagsList": tags, "tags": strings.Join(flat, ";")}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		switch r.URL.Path {
		case "/metadata/instance":
			json.NewEncoder(w).Encode(map[string]any{"compute": compute, "network": map[string]any{}})
		case "/metadata/instance/compute":
			json.NewEncoder(w).Encode(compute)
		default:
			http.NotFound(w, r)
		}
	}))
	return s
}

// AWS starts a fake of EC2's IMDSv2 for inst. Close it when done.
func AWS(inst Instance) *Server {
	s := &Server{}
	const token = "AQAEAFakeSessionToken=="
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/latest/api/token" {
			ttl, err := strconv.Atoi(r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds"))
			switch {
			case r.Method != http.MethodPut:
				s.refuse(w, http.StatusMethodNotAllowed, "")
			case r.Header.Get("X-Forwarded-For") != "":
				s.refuse(w, http.StatusForbidden, "")
			case err != nil || ttl < 1 || ttl > 21600:
				s.refuse(w, http.StatusBadRequest, "")
			default:
				w.Write([]byte(token))
			}
			return
		}
		if r.Header.Get("X-aws-ec2-metadata-token") != token {
			s.refuse(w, http.StatusUnauthorized, "")
			return
		}
		switch p := r.URL.Path; {
		case p == "/latest/dynamic/instance-identity/document":
			w.Header().Set("Content-Type", "text/plain")
			json.NewEncoder(w).Encode(map[string]any{"instanceId": inst.ID, "instanceType": inst.Size,
				"region": inst.Region, "availabilityZone": inst.Region + "a", "architecture": "x86_64"})
		case p == "/latest/meta-data/tags/instance" && len(inst.Tags) > 0:
			w.Write([]byte(strings.Join(sortedKeys(inst.Tags), "\n")))
		case strings.HasPrefix(p, "/latest/meta-data/tags/instance/"):
			v, ok := inst.Tags[strings.TrimPrefix(p, "/latest/meta-data/tags/instance/")]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Write([]byte(v))
		default:
			http.NotFound(w, r)
		}
	}))
	return s
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

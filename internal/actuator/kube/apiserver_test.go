package kube_test

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// apiServer serves, over TLS on loopback, the Kubernetes API's contract for
// the paths the actuator uses: GET of a Deployment or StatefulSet of
// apps/v1, GET and PUT of its scale subresource (an autoscaling/v1 Scale),
// JSON only. Every request must carry the bearer token (401 Status
// otherwise); a missing workload is a 404 NotFound Status; a PUT whose
// metadata.resourceVersion is not the workload's current one is a 409
// Conflict Status and changes nothing; when throttling, a 429
// TooManyRequests Status with Retry-After, as API Priority and Fairness
// answers.
type apiServer struct {
	*httptest.Server
	token string

	mu         sync.Mutex
	objects    map[string]any // "deployments/shop/web": *appsv1.Deployment or *appsv1.StatefulSet
	throttle   int            // the next throttle requests are answered 429 (-1: all)
	retryAfter int            // the Retry-After of a 429, in seconds
	racer      bool           // another writer scales between our read and our write
	hang       bool           // requests get no answer until the client gives up
	updates    []update       // the scale PUTs accepted
}

// update is one accepted write of the scale subresource.
type update struct {
	replicas     int32
	fieldManager string
}

func newAPIServer(token string, objs ...any) *apiServer {
	s := &apiServer{token: token, objects: map[string]any{}}
	for _, o := range objs {
		switch o := o.(type) {
		case *appsv1.Deployment:
			o.TypeMeta = metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}
			s.objects["deployments/"+o.Namespace+"/"+o.Name] = o
		case *appsv1.StatefulSet:
			o.TypeMeta = metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"}
			s.objects["statefulsets/"+o.Namespace+"/"+o.Name] = o
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /apis/apps/v1/namespaces/{ns}/{resource}/{name}", s.getWorkload)
	mux.HandleFunc("GET /apis/apps/v1/namespaces/{ns}/{resource}/{name}/scale", s.getScale)
	mux.HandleFunc("PUT /apis/apps/v1/namespaces/{ns}/{resource}/{name}/scale", s.putScale)
	s.Server = httptest.NewTLSServer(s.gate(mux))
	return s
}

// gate refuses requests without the token, holds them when hanging, and
// throttles.
func (s *apiServer) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+s.token {
			status(w, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, "Unauthorized", nil)
			return
		}
		s.mu.Lock()
		hang, throttled := s.hang, s.throttle != 0
		if s.throttle > 0 {
			s.throttle--
		}
		retryAfter := s.retryAfter
		s.mu.Unlock()
		switch {
		case hang:
			<-r.Context().Done()
			return
		case throttled:
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
			status(w, http.StatusTooManyRequests, metav1.StatusReasonTooManyRequests, "Too many requests, please try again later.",
				&metav1.StatusDetails{RetryAfterSeconds: int32(retryAfter)})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// status writes a metav1.Status, the body of every API server error.
func status(w http.ResponseWriter, code int, reason metav1.StatusReason, msg string, details *metav1.StatusDetails) {
	reply(w, code, &metav1.Status{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Status"}, Status: metav1.StatusFailure,
		Message: msg, Reason: reason, Details: details, Code: int32(code)})
}

func reply(w http.ResponseWriter, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}

// lookup returns the workload of the request, or answers 404 as the API
// server does and returns nil. Call with s.mu held.
func (s *apiServer) lookup(w http.ResponseWriter, r *http.Request) (obj any, meta *metav1.ObjectMeta, replicas *int32) {
	res, name := r.PathValue("resource"), r.PathValue("name")
	switch o := s.objects[res+"/"+r.PathValue("ns")+"/"+name].(type) {
	case *appsv1.Deployment:
		return o, &o.ObjectMeta, o.Spec.Replicas
	case *appsv1.StatefulSet:
		return o, &o.ObjectMeta, o.Spec.Replicas
	}
	status(w, http.StatusNotFound, metav1.StatusReasonNotFound, fmt.Sprintf("%s.apps %q not found", res, name),
		&metav1.StatusDetails{Name: name, Group: "apps", Kind: res})
	return nil, nil, nil
}

func (s *apiServer) getWorkload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if obj, _, _ := s.lookup(w, r); obj != nil {
		reply(w, http.StatusOK, obj)
	}
}

func scaleOf(meta *metav1.ObjectMeta, replicas int32) *autoscalingv1.Scale {
	return &autoscalingv1.Scale{TypeMeta: metav1.TypeMeta{APIVersion: "autoscaling/v1", Kind: "Scale"},
		ObjectMeta: metav1.ObjectMeta{Name: meta.Name, Namespace: meta.Namespace, ResourceVersion: meta.ResourceVersion, UID: meta.UID},
		Spec:       autoscalingv1.ScaleSpec{Replicas: replicas},
		Status:     autoscalingv1.ScaleStatus{Replicas: replicas, Selector: "app=" + meta.Name}}
}

func (s *apiServer) getScale(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if obj, meta, replicas := s.lookup(w, r); obj != nil {
		reply(w, http.StatusOK, scaleOf(meta, *replicas))
	}
}

// putScale writes spec.replicas when metadata.resourceVersion is the
// workload's current one, and bumps it.
func (s *apiServer) putScale(w http.ResponseWriter, r *http.Request) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		status(w, http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType, "the body must be application/json", nil)
		return
	}
	var sc autoscalingv1.Scale
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil || sc.APIVersion != "autoscaling/v1" || sc.Kind != "Scale" {
		status(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, fmt.Sprintf("not an autoscaling/v1 Scale (%s %s): %v", sc.APIVersion, sc.Kind, err), nil)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	obj, meta, replicas := s.lookup(w, r)
	if obj == nil {
		return
	}
	if sc.Name != meta.Name {
		status(w, http.StatusBadRequest, metav1.StatusReasonBadRequest,
			fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", sc.Name, meta.Name), nil)
		return
	}
	if s.racer {
		*replicas = 7 // someone else scaled meanwhile
		bump(meta)
	}
	if sc.ResourceVersion != "" && sc.ResourceVersion != meta.ResourceVersion {
		status(w, http.StatusConflict, metav1.StatusReasonConflict,
			fmt.Sprintf("Operation cannot be fulfilled on %s.apps %q: the object has been modified; please apply your changes to the latest version and try again", r.PathValue("resource"), meta.Name),
			&metav1.StatusDetails{Name: meta.Name, Group: "apps", Kind: r.PathValue("resource")})
		return
	}
	*replicas = sc.Spec.Replicas
	bump(meta)
	s.updates = append(s.updates, update{replicas: sc.Spec.Replicas, fieldManager: r.URL.Query().Get("fieldManager")})
	reply(w, http.StatusOK, scaleOf(meta, *replicas))
}

func bump(m *metav1.ObjectMeta) {
	n, _ := strconv.Atoi(m.ResourceVersion)
	m.ResourceVersion = strconv.Itoa(n + 1)
}

// set changes the server's behaviour under its lock.
func (s *apiServer) set(f func(s *apiServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

// replicas is the workload's spec.replicas as stored.
func (s *apiServer) replicas(key string) int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch o := s.objects[key].(type) {
	case *appsv1.Deployment:
		return *o.Spec.Replicas
	case *appsv1.StatefulSet:
		return *o.Spec.Replicas
	}
	return -1
}

// accepted is a copy of the scale writes accepted so far.
func (s *apiServer) accepted() []update {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]update(nil), s.updates...)
}

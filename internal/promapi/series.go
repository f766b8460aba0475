package promapi

import (
	"errors"
	"net/http"
	"slices"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/util/annotations"
)

const maxSeriesResults = 100_000

// Series serves /api/v1/series: the label sets matching match[].
func (a *API) Series(w http.ResponseWriter, r *http.Request) {
	q, sets, start, end, ok := a.labelQuery(w, r, true)
	if !ok {
		return
	}
	querier, err := q.Querier(start, end)
	if err != nil {
		a.fail(w, engineError(err))
		return
	}
	defer querier.Close()
	hints := &storage.SelectHints{Start: start, End: end, Func: "series"}
	var sets2 []storage.SeriesSet
	for _, ms := range sets {
		sets2 = append(sets2, querier.Select(r.Context(), len(sets) > 1, hints, ms...))
	}
	set := storage.NewMergeSeriesSet(sets2, 0, storage.ChainedSeriesMerge)
	out := []labels.Labels{}
	for set.Next() && len(out) < maxSeriesResults {
		out = append(out, set.At().Labels())
	}
	if err := set.Err(); err != nil {
		a.fail(w, engineError(err))
		return
	}
	a.respond(w, out, set.Warnings())
}

// LabelNames serves /api/v1/labels.
func (a *API) LabelNames(w http.ResponseWriter, r *http.Request) {
	q, sets, start, end, ok := a.labelQuery(w, r, false)
	if !ok {
		return
	}
	a.labels(w, r, q, start, end, sets, func(lq storage.Querier, ms []*labels.Matcher) ([]string, annotations.Annotations, error) {
		return lq.LabelNames(r.Context(), nil, ms...)
	})
}

// LabelValues serves /api/v1/label/{name}/values.
func (a *API) LabelValues(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !isLabelName(name) {
		a.fail(w, badData(errors.New("invalid label name: "+name)))
		return
	}
	q, sets, start, end, ok := a.labelQuery(w, r, false)
	if !ok {
		return
	}
	a.labels(w, r, q, start, end, sets, func(lq storage.Querier, ms []*labels.Matcher) ([]string, annotations.Annotations, error) {
		return lq.LabelValues(r.Context(), name, nil, ms...)
	})
}

func (a *API) labels(w http.ResponseWriter, r *http.Request, q storage.Queryable, start, end int64, sets [][]*labels.Matcher,
	get func(storage.Querier, []*labels.Matcher) ([]string, annotations.Annotations, error)) {
	querier, err := q.Querier(start, end)
	if err != nil {
		a.fail(w, engineError(err))
		return
	}
	defer querier.Close()
	if len(sets) == 0 {
		sets = [][]*labels.Matcher{nil}
	}
	var all []string
	var annos annotations.Annotations
	for _, ms := range sets {
		vals, an, err := get(querier, ms)
		if err != nil {
			a.fail(w, engineError(err))
			return
		}
		annos.Merge(an)
		all = append(all, vals...)
	}
	slices.Sort(all)
	a.respond(w, slices.Compact(append([]string{}, all...)), annos)
}

// labelQuery parses what series, labels and label values share.
func (a *API) labelQuery(w http.ResponseWriter, r *http.Request, needMatch bool) (storage.Queryable, [][]*labels.Matcher, int64, int64, bool) {
	if err := r.ParseForm(); err != nil {
		a.fail(w, badData(err))
		return nil, nil, 0, 0, false
	}
	q, err := a.queryable(r)
	if err != nil {
		a.fail(w, &apiError{typ: "forbidden", status: http.StatusForbidden, err: err})
		return nil, nil, 0, 0, false
	}
	if needMatch && len(r.Form["match[]"]) == 0 {
		a.fail(w, badData(errors.New("no match[] parameter provided")))
		return nil, nil, 0, 0, false
	}
	start, err := parseTimeParam(r, "start", minTime)
	if err != nil {
		a.fail(w, badData(err))
		return nil, nil, 0, 0, false
	}
	end, err := parseTimeParam(r, "end", maxTime)
	if err != nil {
		a.fail(w, badData(err))
		return nil, nil, 0, 0, false
	}
	sets, err := a.matchers(r)
	if err != nil {
		a.fail(w, badData(err))
		return nil, nil, 0, 0, false
	}
	return q, sets, start.UnixMilli(), end.UnixMilli(), true
}

func isLabelName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

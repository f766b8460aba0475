package cluster

import "github.com/prometheus/client_golang/prometheus"

var replicasDesc = prometheus.NewDesc("unyo_cluster_replicas",
	"Replicas sharing this database, by state (up: heartbeat fresh; down: stopped or stale), as this replica saw at its last heartbeat.",
	[]string{"state"}, nil)

// Describe implements prometheus.Collector.
func (m *Membership) Describe(ch chan<- *prometheus.Desc) { ch <- replicasDesc }

// Collect implements prometheus.Collector: the counts of the last
// heartbeat, so a scrape costs no query.
func (m *Membership) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	up, down := m.counts["up"], m.counts["down"]
	m.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(replicasDesc, prometheus.GaugeValue, float64(up), "up")
	ch <- prometheus.MustNewConstMetric(replicasDesc, prometheus.GaugeValue, float64(down), "down")
}

package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/roster-dev/roster/internal/roster"
)

// The descriptions of the pool metrics; the pool label names the pool
// within the store ("read" and "write" on SQLite, "pool" on PostgreSQL).
var (
	poolMaxDesc = prometheus.NewDesc(namespace+"_db_pool_max_connections",
		"The most connections the pool may open.", []string{"pool"}, nil)
	poolConnsDesc = prometheus.NewDesc(namespace+"_db_pool_connections",
		`Open connections of the pool, by state: "in_use" or "idle".`, []string{"pool", "state"}, nil)
	poolWaitsDesc = prometheus.NewDesc(namespace+"_db_pool_waits_total",
		"Times a caller had to wait for a free connection.", []string{"pool"}, nil)
	poolWaitDesc = prometheus.NewDesc(namespace+"_db_pool_wait_seconds_total",
		"Time spent waiting for a free connection.", []string{"pool"}, nil)
)

// poolCollector reads the store's pool statistics at each scrape, so the
// figures are never stale and nothing polls between scrapes.
type poolCollector struct{ db roster.Monitored }

// Describe implements prometheus.Collector.
func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolMaxDesc, poolConnsDesc, poolWaitsDesc, poolWaitDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.db.PoolStats() {
		ch <- prometheus.MustNewConstMetric(poolMaxDesc, prometheus.GaugeValue, float64(p.MaxOpen), p.Pool)
		ch <- prometheus.MustNewConstMetric(poolConnsDesc, prometheus.GaugeValue, float64(p.InUse), p.Pool, "in_use")
		ch <- prometheus.MustNewConstMetric(poolConnsDesc, prometheus.GaugeValue, float64(p.Idle), p.Pool, "idle")
		ch <- prometheus.MustNewConstMetric(poolWaitsDesc, prometheus.CounterValue, float64(p.WaitCount), p.Pool)
		ch <- prometheus.MustNewConstMetric(poolWaitDesc, prometheus.CounterValue, p.WaitDuration.Seconds(), p.Pool)
	}
}

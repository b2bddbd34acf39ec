package analysis

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the analysis counters exported on /metrics.
type Metrics struct {
	analyses *prometheus.CounterVec
	coding   prometheus.Histogram
}

// NewMetrics registers the analysis metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		analyses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "medcode_analyses_total",
			Help: "Analyses by outcome: coded, cached, blocked (PHI guard) or error.",
		}, []string{"outcome"}),
		coding: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "medcode_coding_seconds",
			Help:    "Time the engine took to code one note.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
	}
	reg.MustRegister(m.analyses, m.coding)
	return m
}

func (m *Metrics) count(outcome string) {
	if m != nil {
		m.analyses.WithLabelValues(outcome).Inc()
	}
}

func (m *Metrics) observeCoding(d time.Duration) {
	if m != nil {
		m.coding.Observe(d.Seconds())
	}
}

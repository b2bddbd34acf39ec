package server

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/medcode/medcode/internal/api"
	"github.com/medcode/medcode/internal/web"
)

// routes mounts the UI, the API, the probes and the metrics on one mux and
// wraps it in the middleware every request passes.
func (m *Main) routes(ui *web.Handler, jsonAPI *api.Handler, reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	ui.Register(mux)
	jsonAPI.Register(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := m.DB.Ping(r.Context()); err != nil {
			m.Log.Warn("not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("database unavailable\n"))
			return
		}
		w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))

	// CrossOriginProtection refuses cross-site unsafe requests by their
	// Sec-Fetch-Site/Origin headers; with SameSite=Lax cookies it is the
	// CSRF defence, and API clients (no such headers) pass.
	var h http.Handler = http.NewCrossOriginProtection().Handler(mux)
	h = securityHeaders(h, m.Config.TLS())
	h = observe(h, m.Log, newHTTPMetrics(reg))
	return recoverPanics(h, m.Log)
}

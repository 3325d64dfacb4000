package promexport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config says where and what to serve.
type Config struct {
	// Addr is the TCP address to listen on, "127.0.0.1:9090" or ":9090".
	Addr string
	// Source returns the latest snapshots; it must not be nil.
	Source Source
	// Version is reported by sipwatch_build_info.
	Version string
	// ErrorLog receives the HTTP server's and the handler's errors; nil
	// discards them (the console owns the terminal).
	ErrorLog *log.Logger
}

// Timeouts of the HTTP server. A scrape only formats values already in
// memory, so each step is short; they bound what a slow or idle client can
// hold.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	shutdownTimeout   = 5 * time.Second
	maxInFlight       = 4 // concurrent scrapes; more get 503
)

// Server serves /metrics on a bound listener.
type Server struct {
	ln  net.Listener
	srv *http.Server
}

// Handler returns the HTTP handler of /metrics for a collector: the
// collector plus the Go runtime and process collectors, in a registry of
// its own (not the global default one).
func Handler(c prometheus.Collector, errorLog *log.Logger) (http.Handler, error) {
	reg := prometheus.NewRegistry()
	for _, col := range []prometheus.Collector{
		c, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.Register(col); err != nil {
			return nil, err
		}
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:            errorLog,
		MaxRequestsInFlight: maxInFlight,
		Timeout:             writeTimeout / 2,
	}), nil
}

// Listen binds cfg.Addr and returns a Server ready to Run. It fails at once
// when the address cannot be bound, so a caller can stop before starting a
// capture. The caller must call Run or Close.
func Listen(cfg Config) (*Server, error) {
	if cfg.Source == nil {
		return nil, errors.New("metrics: no snapshot source")
	}
	logger := cfg.ErrorLog
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	h, err := Handler(NewCollector(cfg.Source, cfg.Version), logger)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: cannot listen on %s: %w", cfg.Addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "sipwatch: Prometheus metrics are at /metrics\n")
	})
	return &Server{ln: ln, srv: &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          logger,
	}}, nil
}

// Addr returns the address listened on (with the port chosen when Addr
// asked for port 0).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Run serves until ctx is done, then stops accepting, lets scrapes in
// progress finish (for at most a few seconds) and closes every connection.
// It returns nil after a stop by ctx, or the error that stopped serving.
func (s *Server) Run(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- s.srv.Serve(s.ln) }()
	select {
	case err := <-done:
		if errors.Is(err, http.ErrServerClosed) {
			return nil // Close was called
		}
		return fmt.Errorf("metrics: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := s.srv.Shutdown(sctx)
	if err != nil {
		s.srv.Close()
	}
	<-done
	if err != nil {
		return fmt.Errorf("metrics: stopping: %w", err)
	}
	return nil
}

// Close releases the listener of a Server whose Run was never called, and
// closes every connection of a running one.
func (s *Server) Close() error {
	err := s.srv.Close()
	if cerr := s.ln.Close(); err == nil && !errors.Is(cerr, net.ErrClosed) {
		err = cerr
	}
	return err
}

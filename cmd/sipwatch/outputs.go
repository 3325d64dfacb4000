package main

import (
	"context"
	"flag"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sipwatch/sipwatch/engine"
	"github.com/sipwatch/sipwatch/promexport"
	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

// exportFlags are the outputs every capture command can feed besides its
// own: Prometheus /metrics.
type exportFlags struct {
	metricsListen string
}

func (x *exportFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&x.metricsListen, "metrics-listen", "", "serve Prometheus metrics on `ADDR` (host:port, e.g. :9469) at /metrics while the capture runs")
}

// metricsEvery is how often a run publishes frames for /metrics when
// nothing else asks for them more often: well under any scrape interval.
const metricsEvery = time.Second

// exporters are the running outputs of one run. They read the run's
// published frames, never the pipeline itself.
type exporters struct {
	srv    *promexport.Server
	run    atomic.Pointer[engine.Run]
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// listen binds what needs binding before the capture starts, so that a
// busy port fails the command at once, and raises opt.Publish so that
// frames are published often enough for the exporters.
func (x *exportFlags) listen(opt *engine.Options) (*exporters, error) {
	ex := &exporters{}
	if x.metricsListen == "" {
		return ex, nil
	}
	if opt.Publish == 0 || opt.Publish > metricsEvery {
		opt.Publish = metricsEvery
	}
	srv, err := promexport.Listen(promexport.Config{Addr: x.metricsListen, Version: version(), Source: ex.latest})
	if err != nil {
		return nil, &inputError{err}
	}
	ex.srv = srv
	return ex, nil
}

func (ex *exporters) latest() (*stats.Snapshot, *track.Snapshot) {
	r := ex.run.Load()
	if r == nil {
		return nil, nil
	}
	fr := r.Latest()
	if fr == nil {
		return nil, nil
	}
	return fr.Stats, fr.Track
}

// start serves the exporters from run until stop or ctx is done.
func (ex *exporters) start(ctx context.Context, run *engine.Run) {
	ex.run.Store(run)
	if ex.srv == nil {
		return
	}
	ctx, ex.cancel = context.WithCancel(ctx)
	ex.wg.Go(func() { ex.srv.Run(ctx) })
}

// stop ends the exporters and waits for them.
func (ex *exporters) stop() {
	if ex.cancel != nil {
		ex.cancel()
	}
	ex.wg.Wait()
}

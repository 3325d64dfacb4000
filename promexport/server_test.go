package promexport

import (
	"context"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipwatch/sipwatch/stats"
	"github.com/sipwatch/sipwatch/track"
)

func none() (*stats.Snapshot, *track.Snapshot) { return nil, nil }

// TestListenFailsEarly checks that an address that cannot be bound is an
// error from Listen, before anything runs, and that it names the address.
func TestListenFailsEarly(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tt := range []struct {
		name, addr string
	}{
		{"in use", busy.Addr().String()},
		{"bad port", "127.0.0.1:99999"},
		{"no port", "127.0.0.1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Listen(Config{Addr: tt.addr, Source: none})
			if err == nil {
				s.Close()
				t.Fatalf("Listen(%q) succeeded", tt.addr)
			}
			if !strings.Contains(err.Error(), tt.addr) {
				t.Errorf("error %q does not name %q", err, tt.addr)
			}
		})
	}
	if _, err := Listen(Config{Addr: "127.0.0.1:0"}); err == nil {
		t.Errorf("Listen without a source succeeded")
	}
}

// TestRunStopsCleanly starts and stops servers, with a scrape and an idle
// keep-alive connection open, and checks that Run returns nil, the port
// is released and no goroutine is left behind.
func TestRunStopsCleanly(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 3 {
		s, err := Listen(Config{Addr: "127.0.0.1:0", Source: none, Version: "v"})
		if err != nil {
			t.Fatal(err)
		}
		addr := s.Addr().String()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()

		client := &http.Client{Transport: &http.Transport{}}
		body := scrapeText(t, client, "http://"+addr) // leaves an idle keep-alive connection
		if !strings.Contains(string(body), `sipwatch_build_info{goversion=`) {
			t.Errorf("no build info in\n%s", body)
		}
		for path, want := range map[string]int{"/": 200, "/nope": 404} {
			rsp, err := client.Get("http://" + addr + path)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, rsp.Body)
			rsp.Body.Close()
			if rsp.StatusCode != want {
				t.Errorf("GET %s: %d, want %d", path, rsp.StatusCode, want)
			}
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
		client.CloseIdleConnections()
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("port not released after Run: %v", err)
		} else {
			ln.Close()
		}
	}
	// Goroutines of closed connections end shortly after; wait a bounded
	// time for them.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// TestCloseWithoutRun releases the port of a server that never ran.
func TestCloseWithoutRun(t *testing.T) {
	s, err := Listen(Config{Addr: "127.0.0.1:0", Source: none})
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Addr().String()
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("port not released: %v", err)
	}
	ln.Close()
}

// TestScrapeWhileSwapping scrapes from several goroutines while another
// publishes new snapshots, as the pipeline does; run with -race. Every
// scrape must parse and show one of the published states whole: its
// packet and request counts belong to the same snapshot.
func TestScrapeWhileSwapping(t *testing.T) {
	var states []*pair
	for _, name := range []string{"basic-call.pcap", "demo-failures.pcap", "sipp-known-outcomes.pcap", "register-401.pcap"} {
		st, tr := replay(t, name)
		states = append(states, &pair{st, tr})
	}
	states = append(states, &pair{st: states[1].st}) // counts only
	consistent := map[[2]float64]bool{}
	for _, p := range states {
		consistent[[2]float64{float64(p.st.Packets), float64(sum(p.st.Requests))}] = true
	}

	var cur atomic.Pointer[pair]
	cur.Store(states[0])
	base := serve(t, &cur)

	stop := make(chan struct{})
	var swapper sync.WaitGroup
	var swaps atomic.Int64
	swapper.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			cur.Store(states[i%len(states)])
			swaps.Add(1)
			time.Sleep(100 * time.Microsecond)
		}
	})

	const scrapers, perScraper = 3, 15
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[[2]float64]bool{}
	for range scrapers {
		wg.Go(func() {
			client := &http.Client{}
			defer client.CloseIdleConnections()
			for range perScraper {
				body, err := fetch(client, base)
				if err != nil {
					t.Error(err)
					return
				}
				fams, err := parseText(body)
				if err != nil {
					t.Error(err)
					return
				}
				k := [2]float64{sumWhere(fams, "sipwatch_capture_packets_total", nil), sumWhere(fams, "sipwatch_sip_requests_total", nil)}
				mu.Lock()
				seen[k] = true
				mu.Unlock()
				if !consistent[k] {
					t.Errorf("scrape mixes snapshots: packets %v, requests %v", k[0], k[1])
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	swapper.Wait()
	if swaps.Load() < scrapers*perScraper/2 {
		t.Errorf("only %d swaps during %d scrapes", swaps.Load(), scrapers*perScraper)
	}
	t.Logf("%d scrapes saw %d distinct states during %d swaps", scrapers*perScraper, len(seen), swaps.Load())
}

// Command benchcapture writes a large, deterministic SIP capture for
// throughput benchmarks, with exactly the number of SIP messages asked for.
//
// Usage:
//
//	go run ./internal/cmd/benchcapture -n 1000000 -o /tmp/bench.pcap [-rtp N] [-format pcap|pcapng] [-seed S]
//
// The traffic is a mix of flows between several hundred phones, four
// proxies and three carrier gateways, interleaved in time as on a busy SBC
// port: REGISTER challenged with 401 then accepted, answered calls
// (INVITE/100/180/200/ACK/BYE/200), 486 Busy Here, 404, 480, 503,
// CANCEL/487, OPTIONS keepalives, and a few UDP retransmissions. Every flow
// has its own Call-ID, tags and branches. With -rtp N each answered call
// also carries N small RTP packets between its ACK and BYE.
//
// Beside the capture it writes FILE.expect.json with the exact counts (see
// package pcapgen's Expect). Memory stays bounded by the number of flows in
// progress, not by -n: flows are generated as they start and dropped when
// they end. The same flags always give the same bytes.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sipwatch/sipwatch/internal/pcapgen"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "benchcapture:", err)
		}
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("benchcapture", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		_, _ = fmt.Fprintln(stderr, "usage: benchcapture -n MESSAGES -o FILE [-rtp N] [-format pcap|pcapng] [-seed S]")
		fs.PrintDefaults()
	}
	var cfg config
	fs.IntVar(&cfg.messages, "n", 1000000, "number of SIP messages to write")
	out := fs.String("o", "", "capture file to write (FILE.expect.json is written beside it)")
	fs.IntVar(&cfg.rtp, "rtp", 0, "RTP packets per answered call")
	format := fs.String("format", "pcap", "file format: pcap or pcapng")
	fs.Uint64Var(&cfg.seed, "seed", 1, "random seed")
	fs.IntVar(&cfg.phones, "phones", 600, "number of phones")
	fs.Float64Var(&cfg.rate, "rate", 250, "new flows per second of capture time")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		fs.Usage()
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case *out == "":
		fs.Usage()
		return errors.New("-o is required")
	case cfg.messages < 0 || cfg.rtp < 0 || cfg.phones < 2 || cfg.rate <= 0:
		return errors.New("-n and -rtp must be >= 0, -phones >= 2 and -rate > 0")
	}
	switch *format {
	case "pcap":
		cfg.format = pcapgen.PCAP
	case "pcapng":
		cfg.format = pcapgen.PCAPNG
	default:
		return fmt.Errorf("unknown -format %q (want pcap or pcapng)", *format)
	}

	start := time.Now()
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	exp, err := generate(bw, cfg)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out+".expect.json", exp.JSON(), 0o644); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "wrote %s: %d packets, %s in %v\n", *out, exp.Packets, exp.Summary(), time.Since(start).Round(time.Millisecond))
	return err
}

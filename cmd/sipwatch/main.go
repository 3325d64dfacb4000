// Command sipwatch is a SIP traffic analyzer for VoIP engineers on call.
//
// Usage:
//
//	sipwatch [-i IFACE]... [capture options]
//	sipwatch -r FILE...
//	sipwatch replay [--speed N|max] [--paused] [--ports LIST] FILE...
//	sipwatch stats [--format table|json|csv] [--ports LIST] FILE...
//	sipwatch stats -i IFACE|any [--duration D] [--count N] [-w FILE] [--format ...]
//	sipwatch explain CODE|CLASS|'Q.850;cause=N'|'Warning: ...'...
//	sipwatch explain --list
//	sipwatch --version
//
// With no command, sipwatch opens the incident console (a terminal UI) on
// live traffic from every interface, as sngrep does; -i names interfaces,
// -r reads captures instead. The console shows counters by class and code
// with rates, the failures with their explanations, the service metrics,
// and the calls with their message flow as a ladder diagram.
//
// stats replays pcap or pcapng captures (optionally gzip- or
// zstd-compressed; "-" reads standard input), merges several files in
// timestamp order, and prints how many SIP messages of each kind they hold:
// responses by class and code, requests by method, responses by request
// method, retransmissions, transports, capture health and the failures with
// what they mean. Counts follow tshark's rules, so they can be compared
// with `tshark -q -z sip,stat`. With -i it captures live (Linux AF_PACKET,
// no libpcap; root or CAP_NET_RAW) until Ctrl-C, --duration or --count.
//
// explain prints what a response code, class, Reason value (RFC 3326) or
// Warning value (RFC 3261 §20.43) means and what to do about it.
//
// Flags may come before or after file names. Exit status: 0 on success,
// 1 when an input cannot be read, 2 on bad usage.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

#!/bin/sh
# Regenerates ../pcaps/sipp-known-outcomes.pcap: SIPp traffic with known
# outcomes, captured with tcpdump. Needs root (a network namespace of its
# own, so nothing touches the host's interfaces or ports), sipp (Debian
# package sip-tester) and tcpdump. Takes about 40 seconds.
#
#   sudo sh testdata/sipp/record.sh [OUTPUT.pcap]
#
# Inside the namespace, on its loopback:
#   127.0.1.1:5060  SIPp UAS         uas-outcomes.xml
#   127.0.1.2:5060  SIPp UAC         uac-outcomes.xml, 25 calls at 5 calls/s:
#                   2 unanswered, 3 cancelled, 5 busy (486), 5 declined
#                   (603), 10 answered and hung up with BYE
#   127.0.1.3:5060  SIPp registrar   registrar-outcomes.xml
#   127.0.1.4:5060  SIPp client      reg-outcomes.xml, 8 REGISTERs:
#                   4 forbidden (403), 4 accepted (200)
# The REGISTERs are sent after the UAC has finished, more than 32 s after
# the unanswered INVITEs, so the capture runs past their Timer B.
#
# SIPp's timing (and its pid in Call-IDs and tags) makes the file different
# byte for byte on every run, with the same messages and outcomes: the
# committed capture is the reference that the tests and
# sipp-known-outcomes.pcap.expect.json describe. After re-recording,
# rewrite the expect.json from tshark and the golden files (go test
# ./cmd/sipwatch -run Bundled -args -update).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-$here/../pcaps/sipp-known-outcomes.pcap}")
ns=sipwatch-ko-$$
work=$(mktemp -d)
pids=""

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

cp "$here"/*-outcomes.xml "$work"/
cd "$work"
ip netns add "$ns"
ip -n "$ns" link set lo up

# Background jobs are started with ip netns exec directly (not through a
# shell function), so that $! is the pid of tcpdump or SIPp itself.
ip netns exec "$ns" tcpdump -i lo -s 0 -U -n -w "$out" 'udp port 5060 and (host 127.0.1.1 or host 127.0.1.3)' 2>tcpdump.log &
tcpdump_pid=$!
pids="$tcpdump_pid"
i=0
until grep -q listening tcpdump.log; do
	i=$((i + 1))
	[ $i -le 100 ] || { cat tcpdump.log; echo "tcpdump did not start" >&2; exit 1; }
	sleep 0.1
done

ip netns exec "$ns" sipp -sf uas-outcomes.xml -i 127.0.1.1 -p 5060 -nostdin -timeout 60s >uas.log 2>&1 &
pids="$pids $!"
ip netns exec "$ns" sipp -sf registrar-outcomes.xml -i 127.0.1.3 -p 5060 -nostdin -timeout 60s >registrar.log 2>&1 &
pids="$pids $!"
sleep 1

# Timer A doubles from 500 ms: INVITE sent at 0, 0.5, 1.5, 3.5, 7.5, 15.5
# and 31.5 s (6 retransmissions); the call is abandoned at 33 s.
ip netns exec "$ns" sipp 127.0.1.1:5060 -sf uac-outcomes.xml -i 127.0.1.2 -p 5060 -m 25 -r 5 \
	-max_invite_retrans 6 -nostdin -timeout 50s >uac.log 2>&1 || true
ip netns exec "$ns" sipp 127.0.1.3:5060 -sf reg-outcomes.xml -i 127.0.1.4 -p 5060 -m 8 -r 4 \
	-nostdin -timeout 15s >reg.log 2>&1 || true
sleep 1

kill -TERM "$tcpdump_pid"
wait "$tcpdump_pid" || true
pids=${pids#"$tcpdump_pid"}
echo "wrote $out ($(wc -c <"$out") bytes)"

#!/usr/bin/env bash
# go-fuzz's distributed mode on one machine: a coordinator that owns the
# workdir (corpus, crashers) and two worker processes that connect to it
# over loopback TCP, exactly as workers on other machines would (README,
# "Fuzz your own server"). Run by `make gofuzz-cluster GOFUZZ_TARGET=...`.
#
# usage: gofuzz-cluster.sh ZIP WORKDIR "SEEDDIR..." DURATION PROCS_PER_WORKER
# env:   GOFUZZ_PORT (default 18765), GO
set -euo pipefail
zip=$1 workdir=$2 seeds=$3 duration=$4 procs=${5:-1}
port=${GOFUZZ_PORT:-18765}
go=${GO:-go}
gobin=$($go env GOBIN)
gobin=${gobin:-$($go env GOPATH)/bin}
logs=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -f "$workdir"/corpus/seed-*
}
trap cleanup EXIT

mkdir -p "$workdir/corpus"
for d in $seeds; do for f in "$d"/*; do cp "$f" "$workdir/corpus/seed-${f##*/}"; done; done

"$gobin/go-fuzz" -workdir "$workdir" -coordinator "127.0.0.1:$port" >"$logs/coordinator.log" 2>&1 &
pids+=($!)
sleep 2
for i in 1 2; do
	"$gobin/go-fuzz" -bin "$zip" -worker "127.0.0.1:$port" -procs "$procs" >"$logs/worker$i.log" 2>&1 &
	pids+=($!)
done
sleep "$duration"
cleanup
trap - EXIT
echo "coordinator log ($logs/coordinator.log), last lines:"
tail -n 3 "$logs/coordinator.log"
if ! grep -q 'workers: 2' "$logs/coordinator.log"; then
	echo "gofuzz-cluster: the coordinator never saw both workers" >&2
	exit 1
fi
echo "crashers in $workdir/crashers: $(ls "$workdir/crashers" 2>/dev/null | grep -cv '\.' || true)"

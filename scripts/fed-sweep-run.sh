#!/usr/bin/env bash
# One federated experiment on this machine, as a `syncline sweep` trainer:
# a fed-server plus federated.num_clients fed-client processes on loopback.
#   scripts/fed-sweep-run.sh --config RUN.textproto --metrics RUN.jsonl
# The server writes the metrics ("round" lines); clients are stopped when it ends.
# SYNCLINE_BIN overrides the binary (default: build/syncline beside this script).
set -euo pipefail
syncline="${SYNCLINE_BIN:-$(cd "$(dirname "$0")/.." && pwd)/build/syncline}"
config="" metrics=""
while (($#)); do
  case "$1" in
    --config) config="$2"; shift 2 ;;
    --metrics) metrics="$2"; shift 2 ;;
    *) echo "fed-sweep-run: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n "$config" && -n "$metrics" ]] || { echo "fed-sweep-run: --config and --metrics are required" >&2; exit 2; }
clients=$(sed -n 's/^ *num_clients: *\([0-9][0-9]*\).*/\1/p' "$config" | head -n 1)
clients="${clients:-20}"
# A port per run (from the metrics path), so parallel sweep jobs do not collide.
port=$((20000 + $(printf '%s' "$metrics" | cksum | cut -d' ' -f1) % 20000))
address="127.0.0.1:${port}"
"$syncline" fed-server --config "$config" --set "server.address=${address}" --metrics "$metrics" &
server=$!
pids=()
trap 'kill "${pids[@]}" "$server" 2>/dev/null || true' EXIT
for ((i = 0; i < clients; i++)); do
  "$syncline" fed-client --config "$config" --client-id "$i" --server "$address" &
  pids+=($!)
done
wait "$server"

#!/usr/bin/env bash
# soak.sh runs the soak test: it builds medcode, starts `medcode serve` on a
# fresh SQLite database with the real engine, and runs `medcode bench soak`
# against it (capacity probe, then half of it for the duration), writing
# the samples and the plot.
#
#   scripts/soak.sh [DURATION] [OUT_PREFIX]      (defaults: 30m docs/soak)
#
# It writes OUT_PREFIX.csv and OUT_PREFIX.png and prints the verdict; the
# exit status is 1 when a bar is missed. A DURATION under 10m checks the
# setup (scripts/soak.sh 1m /tmp/soak): samples and plot, no verdict. The server's log is kept beside
# its temporary database, whose path is printed.
set -euo pipefail

duration=${1:-30m}
out=${2:-docs/soak}
go=${GO:-go}
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/medcode-soak.XXXXXX")
$go build -o "$work/medcode" ./cmd/medcode
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port

MEDCODE_ADDR=127.0.0.1:$port MEDCODE_DB=$work/soak.db MEDCODE_LIMIT_FREE=0 MEDCODE_LOG_LEVEL=warn \
	"$work/medcode" serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
	if curl -fs "$url/readyz" >/dev/null 2>&1; then break; fi
	if ! kill -0 "$server" 2>/dev/null; then
		echo "soak: the server did not start; see $work/server.log" >&2
		exit 1
	fi
	sleep 0.2
done
echo "soak: server $url (pid $server), database and log in $work" >&2
"$work/medcode" bench soak --url "$url" --duration "$duration" --csv "$out.csv" --plot "$out.png"

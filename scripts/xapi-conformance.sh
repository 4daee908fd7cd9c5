#!/bin/sh
# Runs ADL's LRS conformance suite (github.com/adlnet/lrs-conformance-test-suite)
# for xAPI 2.0.0 against a fresh ledger: a new data directory, a tokens file with
# an admin and a tool of school "north", and the school registered.
#
# Usage: scripts/xapi-conformance.sh SUITE_DIR [PORT]
#   SUITE_DIR is a checkout of the suite with its npm dependencies installed
#   (git clone …; cd suite && npm install). docs/xapi.md names the commit the
#   figures there come from. Node 20 works.
# The suite's JSON log is left in SUITE_DIR/logs; the summary by section is
# printed from it (scripts/xapi-conformance-summary.py).
set -eu
suite=${1:?usage: scripts/xapi-conformance.sh SUITE_DIR [PORT]}
port=${2:-18090}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
admin=admin-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
tool=tool-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
cat > "$work/tokens.json" <<JSON
[{"token":"$admin","role":"admin","name":"Conformance admin"},
 {"token":"$tool","role":"tool","school":"north","name":"Conformance suite"}]
JSON
(cd "$root" && go build -o "$work/ledger" ./cmd/ledger)
"$work/ledger" serve --addr "127.0.0.1:$port" --data "$work/data" --tokens "$work/tokens.json" > "$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do
	curl -fs "http://127.0.0.1:$port/healthz" > /dev/null && break
	sleep 0.2
done
curl -fs -X POST -H "Authorization: Bearer $admin" "http://127.0.0.1:$port/v1/schools" \
	-d '{"schoolId":"north","name":"North"}' > /dev/null
before=$(ls "$suite/logs" 2>/dev/null | sort || true)
(cd "$suite" && node bin/console_runner.js -x 2.0.0 -e "http://127.0.0.1:$port/xapi" -a -u tool -p "$tool" > "$work/suite.out" 2>&1) || true
tail -n 1 "$work/suite.out"
log=$(ls -t "$suite/logs"/*.log | head -n 1)
echo "suite commit: $(git -C "$suite" rev-parse HEAD 2>/dev/null || echo unknown)"
python3 "$root/scripts/xapi-conformance-summary.py" "$log"

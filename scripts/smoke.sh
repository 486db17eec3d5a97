#!/bin/sh
# Opens the real window under Xvfb on a fresh database, waits, and checks the
# process is still running: a crash at start-up fails the build.
set -eu
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
PATCHBAY_DB="$dir/smoke.db" xvfb-run -a -s '-screen 0 1400x900x24' sh -c "
	'$bin' & pid=\$!
	sleep 4
	if ! kill -0 \$pid 2>/dev/null; then wait \$pid; echo 'smoke: the window exited at start-up' >&2; exit 1; fi
	kill \$pid; wait \$pid 2>/dev/null || true
"
test -s "$dir/smoke.db" || { echo "smoke: no database was created" >&2; exit 1; }
echo "smoke: the window opened and stayed up"

#!/bin/sh
# Takes the README's screenshots from the real window under Xvfb: the app
# opens on a fresh database (seeded with the bundled example) at the method
# and tab each picture shows, and ImageMagick's import captures the screen.
set -eu
bin=$1
out=${2:-docs/screenshots}
mkdir -p "$out"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

shot() { # name, then the window's arguments
	name=$1
	shift
	PATCHBAY_DB="$dir/shots.db" xvfb-run -a -s '-screen 0 1280x800x24' sh -c "
		'$bin' \"\$@\" & pid=\$!
		sleep 6
		import -window root '$out/$name.png'
		kill \$pid; wait \$pid 2>/dev/null || true
	" sh "$@"
	echo "screenshots: $out/$name.png"
}

shot settings --connector "Webhook Example" --method "New Order" --tab Settings
shot field-mappings --connector "Webhook Example" --method "Create Webhook" --tab "Response Format"
shot parameters --connector "Webhook Example" --method "Delete Webhook" --tab Parameters
shot test --connector "Webhook Example" --method "New Order" --tab Test --run

#!/bin/sh
# Installs what building and testing Patchbay needs and is missing: the C
# libraries of the cgo build, and with --display the X server for tests and
# screenshots without a screen. Debian and Ubuntu get them through apt-get
# (as root, else with sudo); other systems are told what to install.
set -eu

build_pkgs="gcc libc6-dev pkg-config libgl-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev"
display_pkgs="xvfb xauth imagemagick"
pkgs=$build_pkgs
[ "${1:-}" = "--display" ] && pkgs="$pkgs $display_pkgs"

# Go 1.26 or newer.
if ! command -v go >/dev/null 2>&1; then
	echo "Patchbay needs Go 1.26 or newer: install it from the Go website and put 'go' on your PATH." >&2
	exit 1
fi
gov=$(go env GOVERSION | sed 's/^go//')
major=${gov%%.*}
minor=$(echo "$gov" | cut -d. -f2)
if [ "$major" -lt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -lt 26 ]; }; then
	echo "Patchbay needs Go 1.26 or newer; this is Go $gov." >&2
	exit 1
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
	if pkg-config --exists gl x11 xcursor xrandr xinerama xi xxf86vm 2>/dev/null && command -v cc >/dev/null 2>&1; then
		exit 0
	fi
	cat >&2 <<MSG
This is not a Debian or Ubuntu system, so Patchbay cannot install what it needs.
Install a C compiler, pkg-config and the development files of OpenGL and X11
(libGL, libX11, libXcursor, libXrandr, libXinerama, libXi, libXxf86vm), e.g.
  Fedora:  sudo dnf install gcc pkgconf-pkg-config mesa-libGL-devel libX11-devel libXcursor-devel libXrandr-devel libXinerama-devel libXi-devel libXxf86vm-devel
  Arch:    sudo pacman -S gcc pkgconf mesa libx11 libxcursor libxrandr libxinerama libxi libxxf86vm
  macOS:   xcode-select --install
For screenshots and the window smoke test also install Xvfb, xauth and ImageMagick.
MSG
	exit 1
fi

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "Patchbay needs these Debian packages:$missing" >&2
	echo "Install them as root: apt-get install$missing" >&2
	exit 1
fi
echo "Installing the missing packages:$missing"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing

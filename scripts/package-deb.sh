#!/usr/bin/env bash
# Builds the Debian package of the desktop app from build/bin/vouchdesk (make desktop first):
# out/vouchdesk_<VERSION>_<arch>.deb, with Debian's own dpkg-deb, so nothing outside Debian is
# needed (docs/packaging.md says why not a Go packager).
#
# The package holds the binary (/usr/bin/vouchdesk), a desktop entry, the icon at the usual
# hicolor sizes and the copyright file. Its dependencies are not written by hand: dpkg-shlibdeps
# reads the libraries the binary links (GTK 3, WebKitGTK 4.1, ...) and names the packages and
# minimum versions that provide them, so `apt install ./vouchdesk_*.deb` pulls them in.
#
# Usage: scripts/package-deb.sh [OUTDIR]   (default out/); prints the path of the .deb.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
outdir=${1:-out}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

bin=build/bin/vouchdesk
[ -x "$bin" ] || { echo "package: $bin is missing: run make desktop first" >&2; exit 1; }
version=$(cat VERSION)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([~+][0-9A-Za-z.]+)?$ ]] || { echo "package: VERSION '$version' is not a Debian version" >&2; exit 1; }
arch=$(dpkg --print-architecture)

work=$(mktemp -d -t vouchdesk-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
pkg=$work/vouchdesk
mkdir -p "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/usr/share/applications" "$pkg/usr/share/doc/vouchdesk"

install -m 0755 "$bin" "$pkg/usr/bin/vouchdesk"
# Debian ships binaries without debugging symbols; the package is then about half the size.
strip --strip-unneeded "$pkg/usr/bin/vouchdesk"

for size in 16 32 48 64 128 256 512; do
  install -D -m 0644 "build/linux/icons/vouchdesk-$size.png" \
    "$pkg/usr/share/icons/hicolor/${size}x${size}/apps/vouchdesk.png"
done
install -m 0644 build/linux/vouchdesk.desktop "$pkg/usr/share/applications/vouchdesk.desktop"
install -m 0644 build/linux/copyright "$pkg/usr/share/doc/vouchdesk/copyright"

# dpkg-shlibdeps works inside a source tree: give it the smallest one it accepts.
mkdir -p "$work/src/debian"
printf 'Source: vouchdesk\n\nPackage: vouchdesk\nArchitecture: any\n' > "$work/src/debian/control"
depends=$(cd "$work/src" && dpkg-shlibdeps -O "$pkg/usr/bin/vouchdesk" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "package: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
for need in libgtk-3-0 libwebkit2gtk-4.1-0; do
  grep -q "$need" <<<"$depends" || { echo "package: $need is not among the dependencies: $depends" >&2; exit 1; }
done

installed=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
cat > "$pkg/DEBIAN/control" <<EOF
Package: vouchdesk
Version: $version
Architecture: $arch
Maintainer: Vouch Desk developers <maintainers@vouchdesk.invalid>
Installed-Size: $installed
Depends: $depends
Section: net
Priority: optional
Description: customer support desk with verified customer identities
 Vouch Desk answers customers' chats from a website widget and their phone
 calls, and always shows whether the person has proven who they are, how and
 by whom. Verified emails and phones tie every chat and call of one person
 into one contact with one timeline. Everything is kept in a local database.
EOF

deb=$outdir/vouchdesk_${version}_${arch}.deb
# --root-owner-group: files owned by root whoever builds; xz is Debian's usual compression.
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
echo "$deb"

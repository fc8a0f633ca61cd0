#!/bin/bash
# The Debian package, end to end, as CI runs it (tests/run.sh test; root on Debian 12):
#   1. copy the checkout (tracked and new files, nothing git ignores) to a temporary directory
#      and build the binary package there with dpkg-buildpackage; the unit tests are skipped
#      (DEB_BUILD_OPTIONS=nocheck) since CI runs them under the sanitizers already;
#   2. lintian: an error fails, and so does a program without a man page (accepted warnings
#      are overridden, with their reason, in debian/hotstandby.lintian-overrides);
#   3. dpkg -c: the programs, units, man pages and the config are inside;
#   4. dpkg -i, systemd-analyze verify of the installed units, hrpctl and hs-exporter
#      --version, dpkg --purge.
# Nothing is started: the package neither enables nor starts the units. The checkout and its
# build directories are left alone.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
step() { printf -- '--- %s\n' "$*"; }

if dpkg-query -W -f='${Status}' hotstandby 2>/dev/null | grep -q 'ok installed'; then
	echo "hotstandby is installed on this machine; this test installs and purges it:" \
		"remove it first (dpkg --purge hotstandby)" >&2
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/hs-package.XXXXXX")
installed=no
cleanup() {
	if [ "$installed" = yes ]; then
		dpkg --purge hotstandby >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
src="$work/hotstandby-$version"
mkdir -p "$src"

step "copying the checkout to $src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Tracked files that still exist, and new ones that are not ignored (no _build*, no
	# generated autotools files).
	(cd "$top" && git ls-files -z --cached --others --exclude-standard) |
		while IFS= read -r -d '' f; do
			[ -e "$top/$f" ] && printf '%s\0' "$f"
		done | tar -C "$top" --null -T - -cf - | tar -C "$src" -xf -
else
	tar -C "$top" --exclude='./_build*' --exclude=./autom4te.cache -cf - . | tar -C "$src" -xf -
fi

step "dpkg-buildpackage -us -uc -b (log: build.log)"
if ! (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	tail -n 60 "$work/build.log"
	exit 1
fi
deb=$(ls "$work"/hotstandby_"$version"_*.deb)
echo "built $(basename "$deb")"

step "lintian (fails on errors)"
lintian --fail-on error --display-level '>=warning' --tag-display-limit 0 "$deb" |
	tee "$work/lintian.log"
echo "lintian: $(grep -c '^E:' "$work/lintian.log" || true) errors," \
	"$(grep -c '^W:' "$work/lintian.log" || true) warnings"
# Every program has its man page.
if grep -q 'no-manual-page' "$work/lintian.log"; then
	echo "a program has no man page" >&2
	exit 1
fi

step "dpkg -c: what the package holds"
dpkg -c "$deb" | awk '{ print $NF }' | sed 's|^\./|/|' >"$work/contents"
missing=0
for f in /usr/sbin/vrrpd /usr/sbin/vgmpd /usr/sbin/hrpd /usr/sbin/hrpctl \
	/usr/sbin/hs-exporter \
	/lib/systemd/system/vrrpd.service /lib/systemd/system/vgmpd.service \
	/lib/systemd/system/hrpd.service /lib/systemd/system/hotstandby.target \
	/lib/systemd/system/hs-exporter.service \
	/usr/share/man/man8/vrrpd.8.gz /usr/share/man/man8/vgmpd.8.gz \
	/usr/share/man/man8/hrpd.8.gz /usr/share/man/man8/hrpctl.8.gz \
	/usr/share/man/man8/hs-exporter.8.gz \
	/usr/share/man/man5/hotstandby.conf.5.gz /etc/hotstandby/hotstandby.conf; do
	if ! grep -qx "$f" "$work/contents"; then
		echo "missing from the package: $f" >&2
		missing=1
	fi
done
[ "$missing" = 0 ] || exit 1
grep -q '^/etc/hotstandby/hotstandby.conf$' \
	<(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles) ||
	{ echo "/etc/hotstandby/hotstandby.conf is not a conffile" >&2; exit 1; }
echo "programs, units, man pages and the conffile are in the package"

step "dpkg -i, verify, run, purge"
installed=yes
dpkg -i "$deb" >"$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
# The man pages' presence is checked above (a container may drop man pages at install).
systemd-analyze verify --man=no /lib/systemd/system/vrrpd.service \
	/lib/systemd/system/vgmpd.service /lib/systemd/system/hrpd.service \
	/lib/systemd/system/hs-exporter.service /lib/systemd/system/hotstandby.target
out=$(hrpctl --version)
echo "$out"
[ "$out" = "hrpctl (hotstandby) $version" ] || { echo "unexpected hrpctl --version" >&2; exit 1; }
out=$(hs-exporter --version)
echo "$out"
[ "$out" = "hs-exporter $version" ] || { echo "unexpected hs-exporter --version" >&2; exit 1; }
dpkg --purge hotstandby >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; exit 1; }
installed=no
if [ -e /usr/sbin/hrpctl ] || [ -e /etc/hotstandby ]; then
	echo "dpkg --purge left files behind" >&2
	exit 1
fi
echo "package: builds, passes lintian, installs, runs and purges cleanly"

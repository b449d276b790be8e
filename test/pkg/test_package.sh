#!/usr/bin/env bash
# The Debian package, as an operator gets it: `dpkg-buildpackage -us -uc -b`
# in a copy of the source tree without git (as from a tarball: the version
# comes from VERSION), lintian on the result (no errors), then the package
# installed on this machine: `endmt --version`, `man -l` on the installed
# page, `systemd-analyze verify` on the installed units, the bash completion
# loaded; then purged, and every file it installed gone.  Also `make install`
# / `make uninstall` into a DESTDIR.  The source tree is never written to.
#
# Needs root (dpkg -i).  PKG_KEEP=DIR keeps the .deb and the build log there.
set -euo pipefail
cd "$(dirname "$0")/../.."
SRC=$PWD
TMP=$(mktemp -d /tmp/endmt-pkg.XXXXXX)
installed=0
cleanup() {
	if [ "$installed" = 1 ]; then
		apt-get purge -y -q -o DPkg::Lock::Timeout=300 endmt >/dev/null 2>&1 ||
			dpkg -P endmt >/dev/null 2>&1 || true
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
pass=0
fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }
die() { echo "FAIL: $*" >&2; fail=$((fail + 1)); echo "$pass passed, $fail failed"; exit 1; }

for t in dpkg-buildpackage dh lintian man systemd-analyze; do
	command -v "$t" >/dev/null || die "$t missing: run scripts/setup.sh (make deps)"
done
[ "$(id -u)" -eq 0 ] || die "needs root (dpkg -i)"

# 1. the package from a git-less copy (tracked and untracked files, what a
# release tarball holds; no build output)
rel=$(cat VERSION)
dir=$TMP/src/endmt-$rel
mkdir -p "$dir"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z -co --exclude-standard | grep -zv '^build' |
		xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
		tar -C "$SRC" --null -T - -cf - | tar -C "$dir" -xf -
else	# a tree without git (a tarball): everything but build output
	tar -C "$SRC" --exclude='./build*' --exclude=./vmtest/cache -cf - . | tar -C "$dir" -xf -
fi
[ -e "$dir/.git" ] && die "the copy has .git"
t0=$SECONDS
if (cd "$dir" && dpkg-buildpackage -us -uc -b) >"$TMP/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b in $((SECONDS - t0)) s"
else
	tail -40 "$TMP/build.log" >&2
	die "dpkg-buildpackage failed (log above)"
fi
deb=$(ls "$TMP"/src/endmt_"$rel"_*.deb)
[ -n "${PKG_KEEP:-}" ] && mkdir -p "$PKG_KEEP" && cp "$deb" "$TMP/build.log" "$PKG_KEEP/"
ver=$(dpkg-deb -f "$deb" Version)
[ "$ver" = "$rel" ] && ok "package version $ver = VERSION" || bad "package version $ver, VERSION $rel"
deps=$(dpkg-deb -f "$deb" Depends)
for lib in libbpf1 libxdp1 libjansson4 libc6; do
	echo "$deps" | grep -q "\b$lib\b" || bad "Depends lacks $lib: $deps"
done
ok "Depends (shlibs): $deps"

# 2. lintian: no errors (warnings and info listed)
lintian --tag-display-limit 0 --info "$TMP"/src/endmt_"$rel"_*.changes >"$TMP/lintian.out" 2>&1 || true
grep -v 'root privileges' "$TMP/lintian.out" | sed 's/^/  lintian: /' || true
if grep -q '^E:' "$TMP/lintian.out"; then bad "lintian reports errors"; else ok "lintian: no errors ($(grep -c '^W:' "$TMP/lintian.out" || true) warnings)"; fi

# 3. installed on this machine
dpkg -s endmt >/dev/null 2>&1 && die "an endmt package is already installed: not touching it"
installed=1
apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends "$deb" >"$TMP/install.log" 2>&1 ||
	{ cat "$TMP/install.log" >&2; die "install of $deb"; }
ok "installed $(basename "$deb")"
dpkg -L endmt | sort >"$TMP/files"
out=$(/usr/sbin/endmt --version)
[ "$out" = "endmt $rel" ] && ok "/usr/sbin/endmt --version: $out" || bad "endmt --version: '$out', want 'endmt $rel'"
[ "$(/usr/sbin/endmt version)" = "$out" ] || bad "endmt version differs from --version"
page=/usr/share/man/man8/endmt.8.gz
[ -e "$page" ] || bad "no $page"
MANWIDTH=120 man --warnings -l "$page" >"$TMP/man.txt" 2>"$TMP/man.err" || bad "man -l $page"
if [ -s "$TMP/man.err" ]; then bad "man warnings: $(cat "$TMP/man.err")"; fi
grep -q '^NAME' "$TMP/man.txt" && grep -q 'endmt attach' "$TMP/man.txt" &&
	grep -q "endmt $rel" "$TMP/man.txt" && ok "man -l $page renders (NAME, commands, version $rel)" ||
	bad "man page content"
w=$(MANPATH=/usr/share/man man -w endmt 2>/dev/null || true)
[ "$w" = "$page" ] && ok "man endmt finds $w" || bad "man -w endmt: $w"
for u in endmt@.service endmt-teardown@.service; do
	[ -e "/lib/systemd/system/$u" ] || { bad "no /lib/systemd/system/$u"; continue; }
	# a template is verified through an instance of it
	mkdir -p "$TMP/units"
	cp "/lib/systemd/system/$u" "$TMP/units/${u/@/@N1}"
	if systemd-analyze verify --man=no "$TMP/units/${u/@/@N1}" >"$TMP/verify.out" 2>&1 &&
		! grep -v 'network-online.target\|multi-user.target' "$TMP/verify.out" | grep -q .; then
		ok "systemd-analyze verify $u"
	else
		bad "systemd-analyze verify $u: $(cat "$TMP/verify.out")"
	fi
done
# the completion offers the commands and a command's options
comp=/usr/share/bash-completion/completions/endmt
if [ -e "$comp" ] && [ -e /usr/share/bash-completion/bash_completion ]; then
	got=$(bash -c '. /usr/share/bash-completion/bash_completion; . '"$comp"'
		COMP_WORDS=(endmt gro); COMP_CWORD=1; COMP_LINE="endmt gro"; COMP_POINT=${#COMP_LINE}
		_endmt; echo "${COMPREPLY[*]}"
		COMP_WORDS=(endmt group add --d); COMP_CWORD=3; COMP_LINE="endmt group add --d"; COMP_POINT=${#COMP_LINE}
		_endmt; echo "${COMPREPLY[*]}"' 2>&1)
	[ "$got" = "group
--dqpn" ] && ok "bash completion: endmt gro<TAB> -> group, group add --d<TAB> -> --dqpn" ||
		bad "bash completion: $got"
else
	bad "no $comp or no bash-completion"
fi

# 4. removed: nothing of it left
apt-get purge -y -q -o DPkg::Lock::Timeout=300 endmt >"$TMP/purge.log" 2>&1 || bad "purge: $(cat "$TMP/purge.log")"
installed=0
dpkg -s endmt >/dev/null 2>&1 && bad "still installed after purge"
left=()
while read -r f; do [ -f "$f" ] && left+=("$f"); done <"$TMP/files"
[ ${#left[@]} -eq 0 ] && ok "purged: none of its $(wc -l <"$TMP/files") paths' files left" ||
	bad "left after purge: ${left[*]}"

# 5. make install / uninstall into a DESTDIR (from the same copy, its build
# output reused: dpkg-buildpackage's clean ran before the build, not after)
d=$TMP/destdir
if make -C "$dir" -s install DESTDIR="$d" PREFIX=/usr/local >"$TMP/install-make.log" 2>&1; then
	for f in usr/local/sbin/endmt usr/local/share/man/man8/endmt.8 \
		usr/local/lib/systemd/system/endmt@.service \
		usr/local/lib/systemd/system/endmt-teardown@.service \
		usr/local/share/bash-completion/completions/endmt \
		usr/local/share/doc/endmt/OPERATOR-GUIDE.md; do
		[ -e "$d/$f" ] || bad "make install: no $f"
	done
	grep -q '^ExecStart=/usr/local/sbin/endmt agent' "$d/usr/local/lib/systemd/system/endmt@.service" ||
		bad "make install: the unit does not name /usr/local/sbin/endmt"
	ok "make install DESTDIR=... PREFIX=/usr/local: $(find "$d" -type f | wc -l) files"
	make -C "$dir" -s uninstall DESTDIR="$d" PREFIX=/usr/local >>"$TMP/install-make.log" 2>&1 || bad "make uninstall"
	n=$(find "$d" -type f | wc -l)
	[ "$n" -eq 0 ] && ok "make uninstall: no file left" || bad "make uninstall left: $(find "$d" -type f)"
else
	bad "make install: $(tail -5 "$TMP/install-make.log")"
fi
for f in debian/endmt debian/.debhelper debian/files debian/debhelper-build-stamp \
	debian/endmt.substvars build/endmt.8; do
	[ -e "$SRC/$f" ] && bad "the source tree got build output: $f"
done

echo "test_package: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

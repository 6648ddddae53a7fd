#!/bin/sh
# install_puts_every_file_in_its_place: `make install DESTDIR=...` installs
# exactly the binary, the example config, the man pages and the systemd files
# where configure said, nothing outside DESTDIR; the installed binary runs and
# loads the installed config; the man pages are lint-clean (mandoc); the units
# pass `systemd-analyze verify` and have a security exposure of at most 3.0.
# Parts whose tool is missing are skipped with a message.
# Exit 0 pass, 1 fail (automake's convention; 77 is not used: the install
# check always runs).

fail() {
	echo "FAIL: $*"
	status=1
}

status=0
: "${KA_BUILDDIR:?KA_BUILDDIR must name the build directory}"
: "${KA_SRCDIR:?KA_SRCDIR must name the source directory}"
MAKE=${MAKE:-make}

work=$(mktemp -d "$KA_BUILDDIR/ops-install.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
dest=$work/root

# Where this build installs things (prefix, sbindir, sysconfdir, mandir,
# units, systemdsystemunitdir, tmpfilesdir, sysusersdir).
dirs=$("$MAKE" -s --no-print-directory -C "$KA_BUILDDIR" ops-print-dirs) || {
	echo "FAIL: cannot ask the build for its install directories"
	exit 1
}
eval "$dirs"

# --- install into DESTDIR and check the file list ---------------------------
touch "$work/before"
sleep 1
if ! "$MAKE" -C "$KA_BUILDDIR" install DESTDIR="$dest" >"$work/install.log" 2>&1; then
	cat "$work/install.log"
	echo "FAIL: make install DESTDIR=$dest"
	exit 1
fi

{
	echo "$sbindir/kargo-agent"
	echo "$sysconfdir/kargo-agent/kargo-agent.ini"
	echo "$mandir/man8/kargo-agent.8"
	echo "$mandir/man5/kargo-agent.ini.5"
	if [ "$units" = yes ]; then
		echo "$systemdsystemunitdir/kargo-agent.service"
		echo "$systemdsystemunitdir/kargo-agent-once.service"
		echo "$systemdsystemunitdir/kargo-agent-once.timer"
		echo "$systemdsystemunitdir/kargo-agent-prune.service"
		echo "$systemdsystemunitdir/kargo-agent-prune.timer"
		echo "$tmpfilesdir/kargo-agent.conf"
		echo "$sysusersdir/kargo-agent.conf"
	fi
} | sort >"$work/expected"
(cd "$dest" && find . \( -type f -o -type l \) | sed 's|^\.||' | sort) >"$work/installed"
if ! cmp -s "$work/expected" "$work/installed"; then
	echo "installed files differ from the expected list (- expected, + installed):"
	diff -u "$work/expected" "$work/installed" | sed -n '3,$p'
	fail "file list"
else
	echo "ok: installed $(wc -l <"$work/installed") files where configure said"
fi

[ -x "$dest$sbindir/kargo-agent" ] || fail "$sbindir/kargo-agent is not executable"

# Nothing written outside DESTDIR: no file newer than the install in the real
# directories it installs to.
for d in "$sbindir" "$sysconfdir/kargo-agent" "$mandir/man5" "$mandir/man8" \
	"$systemdsystemunitdir" "$tmpfilesdir" "$sysusersdir"; do
	[ -d "$d" ] || continue
	leaked=$(find "$d" -maxdepth 1 -newer "$work/before" ! -type d -print 2>/dev/null | head -5)
	[ -z "$leaked" ] || fail "make install wrote outside DESTDIR: $leaked"
done

# --- the installed binary and config -----------------------------------------
bin=$dest$sbindir/kargo-agent
ini=$dest$sysconfdir/kargo-agent/kargo-agent.ini
"$bin" --version >/dev/null || fail "kargo-agent --version"
if ! "$bin" -c "$ini" check-config --offline >"$work/check.log" 2>&1; then
	cat "$work/check.log"
	fail "the installed example config does not load (check-config --offline)"
fi

# --- man pages -----------------------------------------------------------------
if command -v mandoc >/dev/null 2>&1; then
	if mandoc -T lint -W warning "$dest$mandir/man8/kargo-agent.8" \
		"$dest$mandir/man5/kargo-agent.ini.5" >"$work/lint.log" 2>&1; then
		echo "ok: mandoc -T lint clean"
	else
		cat "$work/lint.log"
		fail "mandoc -T lint"
	fi
else
	echo "skip: mandoc not installed, man pages not linted"
fi

# --- systemd units ---------------------------------------------------------------
if [ "$units" != yes ]; then
	echo "skip: configured --without-systemdsystemunitdir, no units to check"
elif ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "skip: systemd-analyze not installed, units not verified"
else
	unitdir=$dest$systemdsystemunitdir
	grep -q "^ExecStart=$sbindir/kargo-agent -c $sysconfdir/kargo-agent/kargo-agent.ini run\$" \
		"$unitdir/kargo-agent.service" || fail "kargo-agent.service: ExecStart does not name this build's paths"
	# verify checks that ExecStart's binary exists: point it into DESTDIR.
	# Man pages are checked above, so --man=no.
	mkdir -p "$work/units"
	all_units="kargo-agent.service kargo-agent-once.service kargo-agent-once.timer
		kargo-agent-prune.service kargo-agent-prune.timer"
	for u in $all_units; do
		sed "s|$sbindir/kargo-agent|$bin|" "$unitdir/$u" >"$work/units/$u"
	done
	if (cd "$work/units" && systemd-analyze verify --man=no $all_units) >"$work/verify.log" 2>&1; then
		echo "ok: systemd-analyze verify"
	else
		cat "$work/verify.log"
		fail "systemd-analyze verify"
	fi
	for u in kargo-agent.service kargo-agent-once.service kargo-agent-prune.service; do
		if ! systemd-analyze security --offline=true "$work/units/$u" >"$work/security.log" 2>&1; then
			tail -5 "$work/security.log"
			fail "systemd-analyze security $u"
			continue
		fi
		level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$work/security.log")
		if [ -z "$level" ]; then
			tail -5 "$work/security.log"
			fail "$u: no exposure level in systemd-analyze security's output"
		elif awk -v l="$level" 'BEGIN { exit !(l <= 3.0) }'; then
			echo "ok: $u exposure $level (at most 3.0)"
		else
			grep '✗' "$work/security.log"
			fail "$u: exposure $level is over 3.0"
		fi
	done
fi

exit $status

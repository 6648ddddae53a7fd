#!/bin/sh
# package_installs_disabled_with_its_user_and_removes_cleanly: the Debian
# package builds (scripts/package-debian, lintian without errors when lintian
# is installed), installs with apt-get, and then: the binary runs from
# /usr/sbin, the units are in /lib/systemd/system and not enabled (nor
# running), the kargo-agent system user exists and owns /var/lib/kargo-agent
# and /var/spool/kargo-agent, the example config is a conffile that passes
# check-config --offline, and a cycle run as the service user writes its
# manifest. Installing again over itself keeps the user; remove keeps the
# conffile and the state, purge removes both.
#
# Runs only with KARGO_TEST_PACKAGE=1 (CI sets it: it installs a package on
# the machine) and dpkg-buildpackage installed, as root or with sudo -n;
# otherwise, or when kargo-agent is already installed as a package, it is
# skipped (77). It always purges what it installed, and deletes the
# kargo-agent user if it created it.
# Exit 0 pass, 1 fail, 77 skip.

fail() {
	echo "FAIL: $*"
	status=1
}
skip() {
	echo "skip: $*"
	exit 77
}

status=0
: "${KA_SRCDIR:?KA_SRCDIR must name the source directory}"
: "${KA_BUILDDIR:?KA_BUILDDIR must name the build directory}"

[ "${KARGO_TEST_PACKAGE:-0}" = 1 ] || skip "set KARGO_TEST_PACKAGE=1 to build and install the Debian package"
command -v dpkg-buildpackage >/dev/null 2>&1 || skip "dpkg-buildpackage not installed (scripts/setup-debian)"
command -v dh >/dev/null 2>&1 || skip "debhelper not installed (scripts/setup-debian)"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	sudo -n true 2>/dev/null || skip "installing a package needs root or passwordless sudo"
	SUDO="sudo -n"
fi
# Purge deletes these: never run over a real installation or its state.
case $(dpkg-query -W -f='${db:Status-Status}' kargo-agent 2>/dev/null) in
""|not-installed) ;;
*) skip "kargo-agent is installed as a package here (or its config is left); not touching it" ;;
esac
for p in /etc/kargo-agent /var/lib/kargo-agent /var/spool/kargo-agent; do
	[ -e "$p" ] && skip "$p exists on this machine; not touching it"
done

work=$(mktemp -d "$KA_BUILDDIR/ops-package.XXXXXX") || exit 1
user_existed=no
getent passwd kargo-agent >/dev/null && user_existed=yes
installed=no
cleanup() {
	if [ "$installed" = yes ]; then
		$SUDO dpkg --purge kargo-agent >"$work/cleanup.log" 2>&1 || cat "$work/cleanup.log"
	fi
	if [ "$user_existed" = no ] && getent passwd kargo-agent >/dev/null; then
		$SUDO userdel kargo-agent || echo "warning: could not delete the kargo-agent user"
		if getent group kargo-agent >/dev/null; then
			$SUDO groupdel kargo-agent || true
		fi
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- build ----------------------------------------------------------------------
lint=
command -v lintian >/dev/null 2>&1 && lint=--lintian
start=$(date +%s)
if ! "$KA_SRCDIR/scripts/package-debian" $lint "$work/out" >"$work/build.log" 2>&1; then
	tail -60 "$work/build.log"
	echo "FAIL: scripts/package-debian $lint"
	exit 1
fi
built=$(date +%s)
[ -n "$lint" ] && grep '^[EW]: ' "$work/build.log"
echo "ok: package built in $((built - start))s${lint:+, lintian without errors}"

set -- "$work"/out/kargo-agent_*.deb
deb=$1
[ $# -eq 1 ] && [ -f "$deb" ] || { echo "FAIL: expected one kargo-agent_*.deb, got: $*"; exit 1; }
version=$(dpkg-deb -f "$deb" Version)
upstream=${version%-*}

# --- install ---------------------------------------------------------------------
installed=yes
if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
	-o DPkg::Lock::Timeout=120 "$deb" >"$work/install.log" 2>&1; then
	cat "$work/install.log"
	echo "FAIL: apt-get install $deb"
	exit 1
fi
echo "ok: installed $(basename "$deb") in $(($(date +%s) - built))s"

bin=/usr/sbin/kargo-agent
ini=/etc/kargo-agent/kargo-agent.ini
"$bin" --help >/dev/null || fail "$bin --help"
v=$("$bin" --version) || fail "$bin --version"
[ "$v" = "kargo-agent $upstream" ] ||
	fail "$bin --version says '$v'; debian/changelog says $version (configure.ac and debian/changelog disagree?)"

for f in /lib/systemd/system/kargo-agent.service /lib/systemd/system/kargo-agent-once.service \
	/lib/systemd/system/kargo-agent-once.timer /lib/systemd/system/kargo-agent-prune.service \
	/lib/systemd/system/kargo-agent-prune.timer /usr/lib/tmpfiles.d/kargo-agent.conf \
	/usr/lib/sysusers.d/kargo-agent.conf /usr/share/man/man8/kargo-agent.8.gz \
	/usr/share/man/man5/kargo-agent.ini.5.gz "$ini"; do
	[ -f "$f" ] || fail "$f is not installed"
done
grep -q "^ExecStart=$bin -c $ini run\$" /lib/systemd/system/kargo-agent.service ||
	fail "kargo-agent.service does not start $bin with $ini"

# Installed, not enabled, not started.
for u in kargo-agent.service kargo-agent-once.timer kargo-agent-prune.timer; do
	if ls /etc/systemd/system/*.wants/"$u" >/dev/null 2>&1; then
		fail "$u is enabled: $(ls /etc/systemd/system/*.wants/"$u")"
	fi
	if command -v systemctl >/dev/null 2>&1; then
		state=$(systemctl is-enabled "$u" 2>/dev/null)
		[ "$state" = disabled ] || fail "systemctl is-enabled $u says '$state', not disabled"
	fi
	if [ -d /run/systemd/system ] && systemctl --quiet is-active "$u"; then
		fail "$u was started by the installation"
	fi
done
pgrep -u kargo-agent >/dev/null 2>&1 && fail "a process runs as kargo-agent after the installation"

# The system user and its directories.
pw=$(getent passwd kargo-agent) || fail "no kargo-agent user"
uid=$(echo "$pw" | cut -d: -f3)
home=$(echo "$pw" | cut -d: -f6)
shell=$(echo "$pw" | cut -d: -f7)
[ -n "$uid" ] && [ "$uid" -lt 1000 ] || fail "kargo-agent is not a system user (uid $uid)"
[ "$home" = /var/lib/kargo-agent ] || fail "kargo-agent's home is $home, not /var/lib/kargo-agent"
case $shell in */nologin|/bin/false) ;; *) fail "kargo-agent has a login shell: $shell" ;; esac
getent group kargo-agent >/dev/null || fail "no kargo-agent group"
for d in /var/lib/kargo-agent /var/spool/kargo-agent; do
	own=$(stat -c '%U:%G %a' "$d" 2>/dev/null)
	[ "$own" = "kargo-agent:kargo-agent 750" ] || fail "$d: '$own', not kargo-agent:kargo-agent 750"
done

# The config is a conffile and loads.
dpkg-query -W -f='${Conffiles}\n' kargo-agent | grep -q " $ini " ||
	fail "$ini is not a conffile"
"$bin" -c "$ini" check-config --offline >"$work/check.log" 2>&1 || {
	cat "$work/check.log"
	fail "$bin -c $ini check-config --offline"
}
echo "ok: binary, units (disabled), user, directories and config in place"

# A cycle as the service user writes the manifest where the config says: the
# user can work in the directories the package made for it.
if [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null 2>&1; then
	if ! (cd / && runuser -u kargo-agent -- "$bin" -c "$ini" once) >"$work/once.log" 2>&1; then
		cat "$work/once.log"
		fail "kargo-agent once as the kargo-agent user"
	fi
	[ -f /var/lib/kargo-agent/manifest.db ] || fail "once as kargo-agent wrote no /var/lib/kargo-agent/manifest.db"
fi

# Installing over itself (postinst again) keeps the user and the state.
if ! $SUDO dpkg -i "$deb" >"$work/reinstall.log" 2>&1; then
	cat "$work/reinstall.log"
	fail "dpkg -i over the installed package"
fi
[ "$(getent passwd kargo-agent | cut -d: -f3)" = "$uid" ] || fail "reinstalling changed kargo-agent's uid"

# remove keeps the conffile and the state; purge removes both.
if ! $SUDO dpkg -r kargo-agent >"$work/remove.log" 2>&1; then
	cat "$work/remove.log"
	fail "dpkg -r kargo-agent"
fi
[ -e "$bin" ] && fail "$bin is still there after dpkg -r"
[ -f "$ini" ] || fail "dpkg -r removed the conffile $ini"
[ -d /var/lib/kargo-agent ] || fail "dpkg -r removed /var/lib/kargo-agent"
if ! $SUDO dpkg --purge kargo-agent >"$work/purge.log" 2>&1; then
	cat "$work/purge.log"
	fail "dpkg --purge kargo-agent"
fi
installed=no
for p in /etc/kargo-agent /var/lib/kargo-agent /var/spool/kargo-agent; do
	[ -e "$p" ] && fail "$p is still there after purge"
done
[ "$status" -eq 0 ] && echo "ok: reinstall, remove and purge; package test took $(($(date +%s) - start))s"
exit $status

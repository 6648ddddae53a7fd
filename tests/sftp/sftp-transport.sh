#!/bin/sh
# The SFTP transport against a real OpenSSH sshd on 127.0.0.1: round trips,
# host keys, user keys, key file modes, rename semantics, a server killed
# mid-upload. Exit codes of sftp-tool: 12 KA_TRANSIENT, 13 KA_PERMANENT,
# 14 KA_NOENT, 15 KA_EXISTS, 78 config error.
. "$(dirname "$0")/lib.sh"
sshd_up
D=$SSHD_DATA
L=$WORK/local
mkdir -p "$L/in" "$L/back" "$L/many" "$L/many-back"

# --- round trips: 0 bytes, 1 byte, 10 MiB; names with spaces and UTF-8 ---
: > "$L/in/empty"
printf x > "$L/in/one"
head -c 10485760 /dev/urandom > "$L/in/ten mib ünïcødé ✓.bin"
for f in empty one "ten mib ünïcødé ✓.bin"; do
	"$TOOL" mkdirs "$D/rt/sub dir/ü" 2>/dev/null &&
	"$TOOL" put "$L/in/$f" "$D/rt/sub dir/ü/$f" 2>/dev/null &&
	"$TOOL" get "$D/rt/sub dir/ü/$f" "$L/back/$f" 2>/dev/null
	check "round_trip_keeps_bytes ($f)" same_file "$L/in/$f" "$L/back/$f"
done
check "upload_lands_where_asked" same_file "$L/in/one" "$D/rt/sub dir/ü/one"
check "mkdirs_tolerates_existing" "$TOOL" mkdirs "$D/rt/sub dir/ü"
check "mkdirs_walks_double_slashes" "$TOOL" mkdirs "$D/rt//twice/x"
check "mkdirs_walks_double_slashes (created)" test -d "$D/rt/twice/x"
printf x > "$D/rt/blocker"
"$TOOL" mkdirs "$D/rt/blocker/sub" 2>"$WORK/mkdirs.err"
check "mkdirs_refuses_a_file_in_the_way" test $? = 13
check "mkdirs_names_the_file_in_the_way" \
	grep -q "cannot create directory $D/rt/blocker: a file is in the way" "$WORK/mkdirs.err"

# --- 1,000 small files, some with spaces and UTF-8 names, over 2 sessions ---
i=0
while [ $i -lt 1000 ]; do
	case $((i % 3)) in
	0) n="file $i.csv" ;; 1) n="grüße-$i-✓.csv" ;; *) n="f$i.csv" ;;
	esac
	echo "shipment,$i,$(od -An -N8 -tx8 /dev/urandom)" > "$L/many/$n"
	i=$((i + 1))
done
"$TOOL" mkdirs "$D/many" 2>/dev/null
"$TOOL" -j 2 putdir "$L/many" "$D/many" >/dev/null &&
"$TOOL" -j 2 getdir "$D/many" "$L/many-back" >/dev/null
check "thousand_small_files_round_trip" \
	test "$(cd "$L/many" && sha256sum -- * | sort)" = "$(cd "$L/many-back" && sha256sum -- * | sort)"
check "thousand_small_files_listed" test "$("$TOOL" ls "$D/many" | wc -l)" = 1000

# --- list and stat report size, mtime and type ---
touch -d @1700000000 "$D/rt/sub dir/ü/one"
check "stat_reports_size_mtime_type" \
	test "$("$TOOL" stat "$D/rt/sub dir/ü/one")" = "$(printf '\t1\t1700000000\tfile')"
check "list_reports_dirs" sh -c "'$TOOL' ls '$D/rt' | grep -q '^sub dir	.*	dir$'"
expect_err "stat_missing_is_noent" 14 "no such file" -- stat "$D/nope"
expect_err "list_missing_is_noent" 14 "cannot list" -- ls "$D/nope"
expect_err "remove_missing_is_noent" 14 "cannot remove" -- rm "$D/nope"

# --- rename: no overwrite gives KA_EXISTS, overwrite replaces ---
printf old > "$L/old"; printf new > "$L/new"
"$TOOL" put "$L/old" "$D/final" 2>/dev/null
"$TOOL" put "$L/new" "$D/.final.part" 2>/dev/null
expect_err "rename_onto_existing_is_exists" 15 "exists" -- rename "$D/.final.part" "$D/final"
check "rename_without_overwrite_keeps_target" same_file "$L/old" "$D/final"
check "rename_overwrite_replaces" "$TOOL" rename "$D/.final.part" "$D/final" overwrite
check "rename_overwrite_content" same_file "$L/new" "$D/final"
check "rename_overwrite_leaves_no_temp" test ! -e "$D/.final.part"
expect_err "rename_missing_source_is_noent" 14 "" -- rename "$D/.gone" "$D/final" overwrite
check "remove_removes" "$TOOL" rm "$D/final"

# --- config problems are reported with the key ---
expect_err "missing_host_reported" 78 "[remote test] host: missing required key" -- -o host= connect
expect_err "bad_port_reported" 78 "[remote test] port: '99999'" -- -o port=99999 connect
expect_err "no_credentials_reported" 78 "key: neither key nor password_file" -- -o key= connect
expect_err "missing_known_hosts_reported" 78 "known_hosts: missing required key" -- -o known_hosts= connect

# --- secrets with group/other permissions are refused ---
cp "$SSHD_KEY" "$WORK/loose_key"; chmod 644 "$WORK/loose_key"
expect_err "key_file_mode_0644_refused" 13 "accessible by group or others (mode 0644)" "chmod 600" -- \
	-o key="$WORK/loose_key" connect
printf 'secret\n' > "$WORK/pw"; chmod 640 "$WORK/pw"
expect_err "password_file_mode_0640_refused" 13 "password file" "mode 0640" -- \
	-o key= -o password_file="$WORK/pw" connect

# --- wrong user key refused, secrets never echoed ---
ssh-keygen -q -t ed25519 -N '' -f "$WORK/other_key"
expect_err "wrong_user_key_refused" 13 "authentication as $SSHD_USER with key" "refused" -- \
	-o key="$WORK/other_key" connect
ssh-keygen -q -t ed25519 -N 'hunter2-passphrase' -f "$WORK/pp_key"
cat "$WORK/pp_key.pub" >> "$SSHD_DIR/authorized_keys"
printf 'hunter2-passphrase\n' > "$WORK/pp"; chmod 600 "$WORK/pp"
check "key_with_passphrase_file_works" "$TOOL" -o key="$WORK/pp_key" -o passphrase_file="$WORK/pp" connect
printf 'wrong\n' > "$WORK/pp"
"$TOOL" -o key="$WORK/pp_key" -o passphrase_file="$WORK/pp" connect 2>"$WORK/stderr"
check "wrong_passphrase_refused" test $? = 13
check "passphrase_never_logged" sh -c "! grep -q hunter2 '$WORK/stderr'"

# --- host keys ---
FP=$(ssh-keygen -lf "$SSHD_DIR/host_ed25519.pub" | cut -d' ' -f2)
: > "$WORK/empty_kh"
expect_err "unknown_host_key_refused" 13 "host key for [127.0.0.1]:$SSHD_PORT is unknown" "$FP" \
	"accept_new_host_key = yes" "ssh-keyscan -p $SSHD_PORT" -- -o known_hosts="$WORK/empty_kh" connect
expect_err "missing_known_hosts_file_is_unknown_host" 13 "is unknown" -- \
	-o known_hosts="$WORK/no_such_kh" connect
# An entry for the plain host (port 22) must not vouch for another port.
printf '127.0.0.1 %s\n' "$(cut -d' ' -f1,2 "$SSHD_DIR/host_ed25519.pub")" > "$WORK/port22_kh"
expect_err "port_22_entry_does_not_match_other_port" 13 "is unknown" -- \
	-o known_hosts="$WORK/port22_kh" connect
check "accept_new_host_key_stores_first_key" \
	"$TOOL" -o known_hosts="$WORK/new_kh" -o accept_new_host_key=yes connect
check "stored_key_uses_bracket_port_form" grep -q "^\[127.0.0.1\]:$SSHD_PORT ssh-ed25519 " "$WORK/new_kh"
check "stored_key_then_verifies" "$TOOL" -o known_hosts="$WORK/new_kh" connect
cp "$SSHD_KNOWN_HOSTS" "$WORK/old_kh"
"$SERVERS/sshd-stop" "$SRV"
rm -f "$SRV/host_ed25519" "$SRV/host_ed25519.pub"
sshd_up
FP2=$(ssh-keygen -lf "$SSHD_DIR/host_ed25519.pub" | cut -d' ' -f2)
expect_err "changed_host_key_refused" 13 "host key for [127.0.0.1]:$SSHD_PORT changed" "$FP2" -- \
	-o known_hosts="$WORK/old_kh" connect
expect_err "changed_host_key_refused_even_with_accept_new" 13 "changed" -- \
	-o known_hosts="$WORK/old_kh" -o accept_new_host_key=yes connect
check "changed_key_not_stored" test "$(wc -l < "$WORK/old_kh")" = 1

# --- a server with several host keys is checked against the type we know ---
M="$WORK/multi"
SSHD_HOST_KEY_TYPES="ecdsa ed25519 rsa" "$SERVERS/sshd-start" "$M" >/dev/null
MPORT=$(cat "$M/port")
MKEY="$M/id_ed25519"
for t in rsa ecdsa ed25519; do
	grep " $(cut -d' ' -f1 "$M/host_$t.pub") " "$M/known_hosts" > "$WORK/kh_$t"
done
for t in ecdsa ed25519; do
	check "known_${t}_key_only_is_enough" \
		"$TOOL" -o port="$MPORT" -o key="$MKEY" -o known_hosts="$WORK/kh_$t" connect
done
# An RSA host key is checked with rsa-sha2-256/512 (OpenSSH >= 8.8 no longer
# offers ssh-rsa): libssh2 1.11 can, 1.10 cannot. Where it can, an RSA-only
# known_hosts is enough; where it cannot, the server's other key is refused
# as "another type", never accepted.
algs=$("$TOOL" hostkey-algs) || fail "hostkey_algs_listed"
if printf '%s\n' "$algs" | grep -qx 'rsa-sha2-256'; then
	check "known_rsa_key_only_is_enough" \
		"$TOOL" -o port="$MPORT" -o key="$MKEY" -o known_hosts="$WORK/kh_rsa" connect
else
	expect_err "rsa_only_known_hosts_refused_without_rsa_sha2" 13 "holds keys of another type" -- \
		-o port="$MPORT" -o key="$MKEY" -o known_hosts="$WORK/kh_rsa" connect
fi
# known_hosts holds only an ECDSA key for a server that has only an Ed25519
# key: whatever the library prefers, the key offered is of a type not in
# known_hosts, so it is refused clearly, as a change, even with
# accept_new_host_key, and nothing is added.
printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "$(cut -d' ' -f1,2 "$M/host_ecdsa.pub")" > "$WORK/kh_other"
expect_err "known_hosts_of_another_type_refused_clearly" 13 "holds keys of another type" \
	"offers ED25519 key" -- -o known_hosts="$WORK/kh_other" connect
expect_err "another_type_refused_even_with_accept_new" 13 "holds keys of another type" -- \
	-o known_hosts="$WORK/kh_other" -o accept_new_host_key=yes connect
check "another_type_key_not_stored" test "$(wc -l < "$WORK/kh_other")" = 1
cp "$WORK/kh_ed25519" "$WORK/kh_hashed"
ssh-keygen -q -H -f "$WORK/kh_hashed" >/dev/null 2>&1
check "hashed_known_hosts_entry_works" \
	"$TOOL" -o port="$MPORT" -o key="$MKEY" -o known_hosts="$WORK/kh_hashed" connect
"$SERVERS/sshd-stop" "$M"

# --- connection refused is transient ---
expect_err "closed_port_is_transient" 12 "cannot connect" -- -o port=1 connect

# --- a reused session survives a server restart between calls ---
rm -f "$WORK/go"
( printf 'stat\t%s\nwaitfile\t%s\nstat\t%s\n' "$D/rt" "$WORK/go" "$D/rt" |
	"$TOOL" script > "$WORK/script.out" 2>&1 ) &
spid=$!
sleep 1
"$SERVERS/sshd-stop" "$SRV"; sshd_up; touch "$WORK/go"
wait $spid
check "session_reconnects_after_restart" test "$(grep -c '^ok$' "$WORK/script.out")" = 3

# --- server killed mid-upload: KA_TRANSIENT, then the same session works ---
head -c 400000000 /dev/zero > "$L/big"
rm -f "$WORK/go" "$D/.big.part"
( printf 'put\t%s\t%s\nwaitfile\t%s\nput\t%s\t%s\nrename\t%s\t%s\n' \
	"$L/big" "$D/.big.part" "$WORK/go" "$L/big" "$D/.big.part" "$D/.big.part" "$D/big" |
	"$TOOL" -o io_timeout=5 script > "$WORK/script.out" 2>&1 ) &
spid=$!
n=0
while [ ! -s "$D/.big.part" ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
"$SERVERS/sshd-stop" "$SRV" KILL
check "no_final_name_after_kill" test ! -e "$D/big"
sshd_up; touch "$WORK/go"
wait $spid
check "killed_upload_is_transient" sh -c "head -1 '$WORK/script.out' | grep -q '^code=KA_TRANSIENT'"
check "upload_after_restart_works" test "$(tail -n +2 "$WORK/script.out" | grep -c '^ok$')" = 3
check "file_arrives_whole" same_file "$L/big" "$D/big"
check "temp_name_gone" test ! -e "$D/.big.part"

echo "$FAILS failure(s)"
[ "$FAILS" = 0 ]

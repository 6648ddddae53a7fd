#!/bin/sh
# A spool copy changed on disk after staging (same size or not) is never
# delivered: nothing reaches the destination under any name, the source is
# not finished, the object is set aside, every file sharing it becomes
# corrupt (status exits 1, a log line names the spool path and both
# digests), and each is staged again from its source and delivered once.
# resend of a corrupt copy fails with its own exit code (74).
. "$(dirname "$0")/lib.sh"

# flip FILE: same size, other first byte.
flip() { printf 'H' | dd of="$1" bs=1 seek=0 count=1 conv=notrunc 2>/dev/null; }
# entries DIR: every name in DIR, dotfiles included.
entries() { ls -A "$1" 2>/dev/null | wc -l | tr -d ' '; }
reset() { rm -rf "$T/spool" "$T/manifest.db" "$T/manifest.db-wal" "$T/manifest.db-shm" \
	"$T/in" "$T/blocker" "$T/other"; mkdir -p "$T/in"; }

# --- same-size change while waiting for a retry; two files share the object
reset
printf 'hello, shipment 1\n' >"$T/in/a.csv"
cp "$T/in/a.csv" "$T/in/b.csv"
good=$(sha256sum <"$T/in/a.csv" | cut -d' ' -f1)
: >"$T/blocker"     # the destination is down: a file where its directory goes
write_config <<EOF2
[route r1]
source = $T/in
dest = $T/blocker/out
format = text
after = delete
EOF2
ka once
assert_eq "destination down: once exits 69" 69 "$RC"
obj=$(sql "select distinct spool_path from files")
assert_eq "both files share one spool object" "$T/spool/objects/$good" "$obj"
flip "$obj"
bad=$(sha256sum <"$obj" | cut -d' ' -f1)
rm "$T/blocker"
sleep 1.1
ka once
assert_eq "a corrupt spool copy: once exits 74" 74 "$RC"
assert_eq "nothing at the destination, under any name" 0 "$(entries "$T/blocker/out")"
assert_eq "the source is not finished (after = delete)" 2 "$(count_files "$T/in")"
assert_eq "both files that share the object are corrupt" 2 \
	"$(sql "select count(*) from files where state='corrupt'")"
assert_eq "the object is gone from objects/" no "$(test -e "$obj" && echo yes || echo no)"
assert_eq "the object is set aside under corrupt/" "$bad" \
	"$(cat "$T/spool/corrupt/$good".* | sha256sum | cut -d' ' -f1)"
assert_match "a log line names the spool path and both digests" \
	"event=spool_corrupt .*spool=$obj expected=$good actual=$bad .*files=2" "$T/stderr"
assert_eq "each file's history has the spool_corrupt event" 2 \
	"$(sql "select count(*) from events where event='spool_corrupt' and detail like '%expected $good, found $bad%'")"
ka status
assert_eq "status exits 1 with corrupt files" 1 "$RC"
assert_match "status counts them" "corrupt=2" "$T/stdout"
assert_match "status says what it means" "corrupt +2: spool copy did not match its sha256" "$T/stdout"
ka list --state corrupt
assert_eq "list --state corrupt names both" "a.csv b.csv" "$(grep -o '[ab]\.csv' "$T/stdout" | sort | tr '\n' ' ' | sed 's/ $//')"

ka once
assert_eq "staged again from the source and delivered: exit 0" 0 "$RC"
assert_match "restaging logged" "event=restaged .*sha256=$good" "$T/stderr"
assert_eq "both files done" 2 "$(sql "select count(*) from files where state='done'")"
assert_eq "two files at the destination, nothing else" 2 "$(entries "$T/blocker/out")"
assert_eq "a.csv has the original bytes" "$good" "$(sha256sum <"$T/blocker/out/a.csv" | cut -d' ' -f1)"
assert_eq "b.csv has the original bytes" "$good" "$(sha256sum <"$T/blocker/out/b.csv" | cut -d' ' -f1)"
assert_eq "the source is finished now" 0 "$(count_files "$T/in")"
ka once
assert_eq "delivered exactly once each" 2 "$(entries "$T/blocker/out")"
assert_eq "one delivery row each, delivered" 2 \
	"$(sql "select count(*) from deliveries where state='delivered'")"

# --- size change: caught too, no temporary file left, source kept
reset
printf 'hello, shipment 2\n' >"$T/in/c.csv"
: >"$T/blocker"
ka once
obj=$(sql "select spool_path from files")
printf 'more bytes\n' >>"$obj"
rm "$T/blocker"
sleep 1.1
ka once
assert_eq "size change: once exits 74" 74 "$RC"
assert_eq "size change: no .part or other file at the destination" 0 "$(entries "$T/blocker/out")"
assert_eq "size change: corrupt" corrupt "$(sql "select state from files")"
assert_eq "size change: source kept" 1 "$(count_files "$T/in")"

# --- the source no longer holds the original: it stays corrupt
reset
printf 'hello, shipment 3\n' >"$T/in/d.csv"
: >"$T/blocker"
ka once
flip "$(sql "select spool_path from files")"
rm "$T/blocker"
sleep 1.1
ka once
cp -p "$T/in/d.csv" "$T/d.keep"
rm -f "$T/in/d.csv"
ka once
assert_eq "source gone: stays corrupt" corrupt "$(sql "select state from files")"
assert_match "source gone: said so" "event=restage_failed .*is gone" "$T/stderr"
assert_eq "source gone: nothing delivered" 0 "$(entries "$T/blocker/out")"
ka once
assert_no_match "source gone: not looked at again by itself" "restage" "$T/stderr"
# The operator puts the original back and retries: staged again, delivered.
cp -p "$T/d.keep" "$T/in/d.csv"
ka retry --state corrupt
assert_eq "retry of a corrupt file exits 0" 0 "$RC"
ka once
assert_eq "after retry: staged again and delivered" "done 1" \
	"$(sql "select state from files") $(entries "$T/blocker/out")"

# --- resend of a corrupt copy: 74, nothing at --to, marked
reset
printf 'hello, shipment 4\n' >"$T/in/e.csv"
: >"$T/blocker"
ka once
id=$(sql "select id from files")
flip "$(sql "select spool_path from files")"
mkdir -p "$T/other"
ka resend "$id" --to "$T/other"
assert_eq "resend of a corrupt copy exits 74" 74 "$RC"
assert_match "resend says why" "does not match its sha256" "$T/stderr"
assert_eq "resend: nothing at --to, under any name" 0 "$(entries "$T/other")"
assert_eq "resend: the file is marked corrupt" corrupt "$(sql "select state from files")"
ka resend "$id" --to "$T/other"
assert_eq "resend of a file already corrupt exits 74" 74 "$RC"
rm "$T/blocker"
ka once
assert_eq "after the failed resend, staged again and delivered" 1 "$(entries "$T/blocker/out")"

# A done file's copy: the resend fails (74) and the object is set aside;
# a second resend finds the copy missing (66).
rm -rf "$T/other"; mkdir -p "$T/other"
obj=$(sql "select spool_path from files")
flip "$obj"
ka resend "$id" --to "$T/other"
assert_eq "resend of a done file's corrupt copy exits 74" 74 "$RC"
assert_eq "resend: nothing at --to" 0 "$(entries "$T/other")"
ka resend "$id" --to "$T/other"
assert_eq "resend when the copy is missing exits 66" 66 "$RC"
finish

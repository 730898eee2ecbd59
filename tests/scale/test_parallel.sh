#!/bin/sh
# tests/scale/test_parallel.sh - docs/scale.md's GNU parallel recipes.
#
# 1. one machine: `parallel -j 2 badio explore --shard {}/4 ::: 0 1 2 3`,
#    then `badio merge`;
# 2. over ssh: the same shards run through `parallel --sshlogin` on a
#    "remote" that is an sshd of this test's own on localhost (own host
#    key, own client key, a free port), each shard getting the database
#    with --transferfile and sending its shard database back with
#    --return, as on real remote machines.
# Each time the merged verdicts must be exactly those of one local
# explore.  Needs root for the sshd of the second part.
#
# Usage: test_parallel.sh BADIO PROGS_DIR ORACLE SQLITE3 PYTHON3
badio=$1 progs=$2 oracle=$3 sqlite3=$4 python=$5
. "$(dirname "$0")/common.sh"

for t in parallel sshd ssh ssh-keygen; do
	command -v "$t" > /dev/null || [ -x "/usr/sbin/$t" ] ||
		fail "$t not found: run tools/setup.sh"
done
sshd_pid=
cleanup() {
	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2> /dev/null
	rm -rf "$work"
}

setup_recording

# --- 1. one machine ---
mkdir one && cp rec.db one/ && cd one
parallel --will-cite -j 2 "$badio" explore -q -d rec.db --oracle "$oracle" \
	-j 1 --shard {}/4 ::: 0 1 2 3
# half merged: the rest shows as not run yet (pending), then all of it
"$badio" merge -q -o all.db rec.shard-0-of-4.db rec.shard-1-of-4.db
half=$("$sqlite3" all.db "SELECT count(*) FROM experiments")
pending=$("$badio" report -d all.db --format json | "$python" -c \
	'import json,sys; r = json.load(sys.stdin); print(r["planned"], r["pending"])')
[ "$pending" = "$nlocal $((nlocal - half))" ] ||
	fail "after 2 of 4 shards: planned, pending = $pending; want $nlocal $((nlocal - half))"
"$badio" report -d all.db | grep -q "^not run yet: $((nlocal - half)) of the $nlocal experiments" ||
	fail "the table report does not say what is not run yet"
"$badio" merge -q -o all.db rec.shard-*-of-4.db
same_verdicts "$work/local.db" all.db
cd "$work"

# --- 2. over ssh ---
[ "$(id -u)" = 0 ] || fail "the ssh part needs root (its own sshd); CI runs as root"
mkdir -p ssh /run/sshd
ssh-keygen -q -t ed25519 -N '' -f ssh/host_key
ssh-keygen -q -t ed25519 -N '' -f ssh/client_key
cp ssh/client_key.pub ssh/authorized_keys
port=$(free_port)
cat > ssh/sshd_config <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $work/ssh/host_key
PidFile $work/ssh/sshd.pid
AuthorizedKeysFile $work/ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
CONF
/usr/sbin/sshd -f "$work/ssh/sshd_config" -E "$work/ssh/sshd.log"
i=0
until [ -s ssh/sshd.pid ]; do
	i=$((i + 1))
	[ $i -lt 40 ] || { cat ssh/sshd.log >&2; fail "sshd did not start"; }
	sleep 0.1
done
sshd_pid=$(cat ssh/sshd.pid)
sshcmd="ssh -p $port -i $work/ssh/client_key -o BatchMode=yes \
-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"

mkdir two && cp rec.db two/ && cd two
parallel --will-cite --ssh "$sshcmd" --sshlogin 2/root@127.0.0.1 \
	--workdir ... --transferfile rec.db --return rec.shard-{}-of-4.db \
	--cleanup "$badio" explore -q -d rec.db --oracle "$oracle" -j 1 \
	--shard {}/4 ::: 0 1 2 3
for k in 0 1 2 3; do
	[ -s "rec.shard-$k-of-4.db" ] || fail "shard $k did not come back over ssh"
done
"$badio" merge -q -o all.db rec.shard-*-of-4.db
same_verdicts "$work/local.db" all.db
echo "parallel: 4 shards on one machine and over ssh: $nlocal experiments, the same verdicts as one local explore"

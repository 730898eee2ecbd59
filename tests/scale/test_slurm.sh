#!/bin/sh
# tests/scale/test_slurm.sh - docs/scale.md's Slurm recipe, for real.
#
# Starts a single-node Slurm on localhost (munged, slurmctld, slurmd
# from Debian's slurm-wlm and munge, with a private key, config, state
# and ports), submits the recipe: an array job of 4 shards
# (`badio explore --shard $SLURM_ARRAY_TASK_ID/4`) and a merge job that
# depends on it (`--dependency=afterok`), waits for both, and checks that
# the merged verdicts are exactly those of one local explore.  Everything
# it started is stopped at the end.  Needs root (slurmd runs jobs as the
# submitting user through its own privileges).
#
# Usage: test_slurm.sh BADIO PROGS_DIR ORACLE SQLITE3 PYTHON3
badio=$1 progs=$2 oracle=$3 sqlite3=$4 python=$5
. "$(dirname "$0")/common.sh"

[ "$(id -u)" = 0 ] || fail "the Slurm test needs root (slurmd); CI runs as root"
for t in munged slurmctld slurmd sbatch squeue; do
	command -v "$t" > /dev/null || fail "$t not found: run tools/setup.sh"
done

pids=""
cleanup() {
	for p in $pids; do
		kill "$p" 2> /dev/null || true
	done
	sleep 0.5
	for p in $pids; do
		kill -9 "$p" 2> /dev/null || true
	done
	if [ "${keep_work:-}" = 1 ]; then
		echo "kept $work" >&2
	else
		rm -rf "$work"
	fi
}

setup_recording
s=$work/slurm
mkdir -p "$s/munge" "$s/state" "$s/spool" "$s/log"
chmod 700 "$s/munge"
head -c 1024 /dev/urandom > "$s/munge/munge.key"
chmod 400 "$s/munge/munge.key"
munged --socket="$s/munge/sock" --key-file="$s/munge/munge.key" \
	--log-file="$s/log/munged.log" --pid-file="$s/munge/munged.pid" \
	--seed-file="$s/munge/seed" --force
pids="$pids $(cat "$s/munge/munged.pid")"

cat > "$s/slurm.conf" <<CONF
ClusterName=badiotest
SlurmctldHost=localhost
AuthType=auth/munge
AuthInfo=socket=$s/munge/sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
StateSaveLocation=$s/state
SlurmdSpoolDir=$s/spool
SlurmctldPidFile=$s/slurmctld.pid
SlurmdPidFile=$s/slurmd.pid
SlurmctldLogFile=$s/log/slurmctld.log
SlurmdLogFile=$s/log/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$s/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N localhost
sleep 1
pids="$pids $(cat "$s/slurmctld.pid") $(cat "$s/slurmd.pid")"

# wait for the node to be idle (at most 30 s)
i=0
until sinfo -h -o %t 2> /dev/null | grep -q idle; do
	i=$((i + 1))
	[ $i -lt 60 ] || { cat "$s/log/slurmctld.log" >&2; fail "slurm node never came up"; }
	sleep 0.5
done

# the recipe of docs/scale.md, word for word but for the paths
cat > "$work/shard.sbatch" <<JOB
#!/bin/sh
#SBATCH --array=0-3
#SBATCH --output=$work/shard-%a.log
exec "$badio" explore -q -d "$work/rec.db" --oracle "$oracle" -j 1 \\
	--shard "\$SLURM_ARRAY_TASK_ID/4"
JOB
cat > "$work/merge.sbatch" <<JOB
#!/bin/sh
#SBATCH --output=$work/merge.log
exec "$badio" merge -o "$work/all.db" "$work"/rec.shard-*-of-4.db
JOB
cd "$work"
array=$(sbatch --parsable shard.sbatch)
merge=$(sbatch --parsable --dependency=afterok:"$array" merge.sbatch)

# wait for both (at most 120 s)
i=0
while squeue -h -j "$array,$merge" 2> /dev/null | grep -q .; do
	i=$((i + 1))
	[ $i -lt 240 ] || { squeue >&2; fail "the jobs did not finish in 120 s"; }
	sleep 0.5
done
for k in 0 1 2 3; do
	[ -s "rec.shard-$k-of-4.db" ] || { cat shard-$k.log >&2; fail "shard $k made no database"; }
done
[ -s all.db ] || { cat merge.log >&2; fail "the merge job made no all.db"; }
same_verdicts local.db all.db
pending=$("$badio" report -d all.db --format json | "$python" -c 'import json,sys; print(json.load(sys.stdin)["pending"])')
[ "$pending" = 0 ] || fail "merged database reports $pending pending"
echo "slurm: 4 shards as an array job and a dependent merge: $nlocal experiments, the same verdicts as one local explore"

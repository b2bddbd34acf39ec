#!/usr/bin/env bash
# fuzz-campaign.sh runs every `go test -fuzz` target of the module, one at a
# time, for N minutes each (default 3), and prints per target the executions,
# the corpus growth, when coverage last grew (a target has plateaued when
# that is well before the end) and the new crashers.
#
#   scripts/fuzz-campaign.sh [-p PATTERN] [-o REPORT.tsv] [N]
#
# -p runs only targets whose "package.Target" matches the extended regular
# expression PATTERN. -o also writes the table as TSV. Targets are found
# with `go test -list`, so a target added anywhere is run without editing
# this script. A crasher is written by `go test` to the package's
# testdata/fuzz/<Target>/ directory: fix the bug and commit the file as a
# regression seed. The exit status is 1 when any target found a crasher or
# failed to run.
set -euo pipefail

minutes=3
pattern=.
report=
while getopts "p:o:h" opt; do
	case $opt in
	p) pattern=$OPTARG ;;
	o) report=$OPTARG ;;
	*)
		sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
if [[ $# -gt 0 ]]; then minutes=$1; fi
if ! [[ $minutes =~ ^[0-9]+([.][0-9]+)?$ ]]; then
	echo "fuzz-campaign: N must be a number of minutes, got '$minutes'" >&2
	exit 2
fi
fuzztime=$(awk -v m="$minutes" 'BEGIN { printf "%ds", m * 60 }')
go=${GO:-go}
cd "$(dirname "$0")/.."
module=$($go list -m)
logdir=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-campaign.XXXXXX")

# Packages with a Fuzz function in a test file, then the targets in each.
mapfile -t pkgdirs < <(grep -rlE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' . |
	xargs -r -n1 dirname | sort -u)
targets=()
for dir in "${pkgdirs[@]}"; do
	pkg=$module/${dir#./}
	while read -r name; do
		[[ $name == Fuzz* ]] || continue
		short=${dir#./}.${name}
		[[ $short =~ $pattern ]] && targets+=("$dir $name")
	done < <($go test -list '^Fuzz' "$dir" 2>/dev/null)
done
if [[ ${#targets[@]} -eq 0 ]]; then
	echo "fuzz-campaign: no fuzz target matches '$pattern'" >&2
	exit 2
fi
echo "fuzz-campaign: ${#targets[@]} targets, $fuzztime each, logs in $logdir" >&2

header=$'target\texecs\texecs_per_sec\tcorpus_new\tlast_new_coverage\tnew_crashers\tstatus'
rows=("$header")
failed=0
for t in "${targets[@]}"; do
	read -r dir name <<<"$t"
	label=${dir#./}.$name
	seeds=$dir/testdata/fuzz/$name
	before=$(ls "$seeds" 2>/dev/null | sort || true)
	log=$logdir/${label//\//_}.log
	echo "fuzz-campaign: $label" >&2
	status=ok
	# -parallel 1: one fuzzing worker, so the campaign holds one core.
	if ! $go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -parallel 1 "$dir" >"$log" 2>&1; then
		status=FAIL
		failed=1
	fi
	after=$(ls "$seeds" 2>/dev/null | sort || true)
	crashers=$(comm -13 <(echo "$before") <(echo "$after") | grep -c . || true)
	# Progress lines: "fuzz: elapsed: 3s, execs: 1234 (411/sec), new interesting: 5 (total: 17)".
	stats=$(awk '
		function secs(d,   t, n) {
			t = 0
			while (match(d, /^[0-9.]+[hms]/)) {
				n = substr(d, 1, RLENGTH - 1) + 0
				u = substr(d, RLENGTH, 1)
				t += (u == "h" ? 3600 : u == "m" ? 60 : 1) * n
				d = substr(d, RLENGTH + 1)
			}
			return t
		}
		/^fuzz: elapsed:/ {
			elapsed = $3; sub(/,$/, "", elapsed)
			if ($4 != "execs:") next
			execs = $5; sub(/,$/, "", execs)
			if (match($0, /new interesting: [0-9]+/)) {
				n = substr($0, RSTART + 17, RLENGTH - 17) + 0
				if (n != newest) { newest = n; lastnew = elapsed }
			}
		}
		END {
			s = secs(elapsed)
			printf "%d\t%d\t%d\t%s", execs, (s > 0 ? execs / s : 0), newest, (lastnew == "" ? "-" : lastnew)
		}
	' "$log")
	if [[ $status == FAIL && $crashers -eq 0 ]]; then
		status="FAIL (see $log)"
	elif [[ $status == ok && ${stats%%$'\t'*} -eq 0 ]]; then
		# The seed corpus took the whole budget: nothing was fuzzed.
		status="NOT FUZZED (baseline coverage unfinished; give it more time)"
		failed=1
	fi
	row="$label"$'\t'"$stats"$'\t'"$crashers"$'\t'"$status"
	rows+=("$row")
	printf '%s\n' "$row" >&2
done

printf '%s\n' "${rows[@]}" | column -t -s $'\t'
if [[ -n $report ]]; then
	printf '%s\n' "${rows[@]}" >"$report"
fi
exit $failed

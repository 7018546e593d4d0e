#!/usr/bin/env bash
# Times `heiko --headless` against aria2c, curl --parallel and wget2 on the same files, served by nginx on
# loopback, written to the same disk. Not a test: it reports what it measured (median of RUNS runs).
#
#   bench/run-bench.sh [scenario...]     scenarios: big (5 x 200 MB, 2 workers), medium (500 x 100 KB, 8),
#                                        small (5,000 x 1 KB, 16), all (default: these three), and
#                                        throttled (one 64 MiB file from a server that sends 2 MiB/s per
#                                        connection, 8 connections: heiko -x 8 against aria2c -x 8 -s 8 -k 1M)
# Environment: HEIKO (path to heiko; default build/app/heiko), RUNS (default 3), BENCH_DIR (default bench/work),
#              TOOLS (default "heiko aria2c curl wget2"), CP=1 also times cp of the same bytes as a floor,
#              FLOOR=1 (the default when it is built) also times heiko_poolfloor (bench/poolfloor.cpp): Heiko's
#              design, a pool of workers handed one file each by a manager thread, with nothing but a blocking
#              GET, .part and rename in each worker; the floor of that design on this machine,
#              FRESH_FS (default 1 as root): every run writes into a new ext4 file system (a loop-mounted image
#              in BENCH_DIR, so on the same disk). Creating thousands of files costs what the file system's
#              history makes it cost: right after other files were deleted, ext4 searches past inodes it may
#              not reuse yet, under the directory's lock, and one tool measured 0.3 s or 2.4 s for the same
#              5,000 files. A new file system gives every tool the same start. FRESH_FS=0 writes into BENCH_DIR.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
heiko=${HEIKO:-$top/build/app/heiko}
poolfloor=${HEIKO_POOLFLOOR:-$(dirname "$(dirname "$heiko")")/bench/heiko_poolfloor}
runs=${RUNS:-3}
work=${BENCH_DIR:-$here/work}
tools=(${TOOLS:-heiko aria2c curl wget2})
scenarios=("$@")
[ ${#scenarios[@]} -eq 0 ] || [ "${scenarios[0]}" = all ] && scenarios=(big medium small)

need=()
for c in nginx:nginx-light aria2c:aria2 curl:curl wget2:wget2 /usr/bin/time:time bc:bc python3:python3; do
    command -v "${c%%:*}" >/dev/null || need+=("${c##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
    sudo=(); [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -x "$heiko" ] || { echo "no heiko at $heiko: run ./run.sh build first (or set HEIKO)" >&2; exit 1; }

mkdir -p "$work/www" "$work/out"
make_files() { # name count size
    local dir=$work/www/$1 count=$2 size=$3
    [ -f "$dir/.done-$count-$size" ] && return
    rm -rf "$dir"; mkdir -p "$dir"
    if [ "$size" -ge 1000000 ]; then
        for i in $(seq 1 "$count"); do head -c "$size" /dev/urandom > "$dir/f$i.bin"; done
    else
        # Many small files: one random blob, cut into pieces.
        head -c $((count * size)) /dev/urandom > "$dir/blob"
        (cd "$dir" && split -b "$size" -a 5 -d blob f && rm blob && for f in f*; do mv "$f" "$f.bin"; done)
    fi
    touch "$dir/.done-$count-$size"
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
prefix=$work/nginx; mkdir -p "$prefix/logs"
user_line=""; [ "$(id -u)" -eq 0 ] && user_line="user root root;"
cat > "$prefix/nginx.conf" <<CONF
$user_line
worker_processes 2;
pid $prefix/nginx.pid;
error_log $prefix/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;
  client_body_temp_path $prefix/tmp; proxy_temp_path $prefix/tmp; fastcgi_temp_path $prefix/tmp;
  uwsgi_temp_path $prefix/tmp; scgi_temp_path $prefix/tmp;
  default_type application/octet-stream;
  server { listen 127.0.0.1:$port; root $work/www; location /throttled/ { limit_rate 2m; } }
}
CONF
nginx -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
trap 'nginx -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" -s quit 2>/dev/null || true; unmount_fresh; rm -rf "$work/out"; touch "$work/out.deleted"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

fresh_fs=${FRESH_FS:-1}
if [ "$fresh_fs" = 1 ] && { [ "$(id -u)" -ne 0 ] || ! command -v mkfs.ext4 >/dev/null || ! command -v losetup >/dev/null; }; then
    echo "FRESH_FS needs root, mkfs.ext4 and loop devices; writing into $work/out instead" >&2; fresh_fs=0
fi
if [ "$fresh_fs" = 0 ]; then
    # Without FRESH_FS, outputs of many small files are kept until the end: ext4 does not reuse an inode deleted in the last 60 s
    # (5 minutes while its inode table block is dirty), and the search past them happens under the directory's
    # lock, so deleting 5,000 files right before a run made the next 5,000 creates up to three times slower (a
    # cost of the benchmark, not of the tool). Leftovers of an earlier invocation are removed, synced, aged out.
    if [ -d "$work/out" ]; then rm -rf "$work/out"; touch "$work/out.deleted"; fi
    if [ -f "$work/out.deleted" ]; then
        sync
        age=$(( $(date +%s) - $(stat -c %Y "$work/out.deleted") ))
        if [ "$age" -lt 65 ]; then
            echo "waiting $((65 - age)) s for the outputs deleted by the last run to age out" >&2; sleep $((65 - age))
        fi
    fi
fi
mnt=$work/mnt
unmount_fresh() { if mountpoint -q "$mnt" 2>/dev/null; then umount "$mnt"; fi; rm -f "$work/fs.img"; }
# prepare_out SCENARIO TOOL RUN BYTES -> sets $out: an empty folder on a new file system (or under out/)
prepare_out() {
    if [ "$fresh_fs" = 1 ]; then
        unmount_fresh
        truncate -s $(( $4 * 2 + 256 * 1024 * 1024 )) "$work/fs.img"
        mkfs.ext4 -q -F "$work/fs.img"
        mkdir -p "$mnt"; mount -o loop "$work/fs.img" "$mnt"
        out=$mnt/$1-$2-$3
    else
        out=$work/out/$1/$2-$3; rm -rf "$out"
    fi
    mkdir -p "$out"; sync
}

run_tool() { # tool list out workers count -> prints "wall cpu rss"
    local tool=$1 list=$2 out=$3 j=$4
    local t=$work/time.txt
    # Wall time from the shell's microsecond clock: /usr/bin/time reports hundredths, too coarse for runs
    # of 0.1 s. It adds the start of /usr/bin/time itself (under a millisecond), the same for every tool.
    if [ "$tool" = curl ]; then
        awk -v o="$out" '{n=split($0,p,"/"); printf "url = \"%s\"\noutput = \"%s/%s\"\n", $0, o, p[n]}' "$list" > "$work/curl.cfg"
    fi
    local started=$EPOCHREALTIME
    case $tool in
    # Every peer here opens as many connections to the one server as it runs downloads (times pieces), so
    # heiko's per-host cap (default 8) is raised to the same; otherwise "-j 16" would run only 8 at once.
    heiko) /usr/bin/time -f "%e %U %S %M" -o "$t" "$heiko" --headless -j "$j" -x "$conns" \
               --max-per-host "$(( j * conns > 8 ? j * conns : 8 ))" -d "$out" -i "$list" 2>/dev/null ;;
    aria2c) /usr/bin/time -f "%e %U %S %M" -o "$t" aria2c -q -j "$j" -x "$conns" -s "$conns" -k 1M --file-allocation=none \
                --allow-overwrite=true --auto-file-renaming=false -d "$out" -i "$list" ;;
    curl) /usr/bin/time -f "%e %U %S %M" -o "$t" curl -s -S --no-progress-meter --parallel --parallel-max "$j" -K "$work/curl.cfg" ;;
    wget2) /usr/bin/time -f "%e %U %S %M" -o "$t" wget2 -q --no-robots --max-threads="$j" -P "$out" -i "$list" ;;
    cp) /usr/bin/time -f "%e %U %S %M" -o "$t" cp -r "$5/." "$out/" ;;
    poolfloor) /usr/bin/time -f "%e %U %S %M" -o "$t" "$poolfloor" "$list" "$port" "$out" "$j" ;;
    esac
    local ended=$EPOCHREALTIME
    awk -v wall="$(echo "$ended - $started" | bc -l)" '{printf "%.3f %.2f %d\n", wall, $2+$3, $4}' "$t"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

report=$work/report.md
{
echo "| scenario | tool | wall s (median of $runs) | CPU s | peak RSS MB | files ok |"
echo "|---|---|---|---|---|---|"
} > "$report"

for s in "${scenarios[@]}"; do
    conns=1; scenario_tools=("${tools[@]}")
    case $s in
    big) count=5; size=200000000; j=2 ;;
    medium) count=500; size=100000; j=8 ;;
    small) count=5000; size=1000; j=16 ;;
    throttled) count=1; size=67108864; j=1; conns=8
               # Only the tools that fetch one file over several connections.
               scenario_tools=(); for t in "${tools[@]}"; do [[ $t = heiko || $t = aria2c ]] && scenario_tools+=("$t"); done ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
    esac
    make_files "$s" "$count" "$size"
    list=$work/$s.list
    (cd "$work/www/$s" && ls f*.bin) | sed "s|^|http://127.0.0.1:$port/$s/|" > "$list"
    all_tools=("${scenario_tools[@]}"); [ "${CP:-0}" = 1 ] && [ "$s" != throttled ] && all_tools+=(cp)
    if [ "${FLOOR:-1}" = 1 ] && [ -x "$poolfloor" ] && [ "$s" != throttled ]; then all_tools+=(poolfloor); fi
    declare -A wall=()
    for tool in "${all_tools[@]}"; do
        walls=(); cpus=(); rsss=(); ok=yes
        for r in $(seq 1 "$runs"); do
            prepare_out "$s" "$tool" "$r" $((count * size))
            read -r w c m < <(run_tool "$tool" "$list" "$out" "$j" "$work/www/$s")
            got=$(find "$out" -type f -name 'f*.bin' | wc -l)
            bytes=$(du -sb --apparent-size "$out" | cut -f1)
            [ "$got" -eq "$count" ] && [ "$bytes" -ge $((count * size)) ] || ok="no ($got files)"
            walls+=("$w"); cpus+=("$c"); rsss+=("$m")
            if [ "$fresh_fs" = 1 ]; then unmount_fresh
            elif [ "$count" -le 10 ]; then rm -rf "$out"; fi # a few big files: free the space at once
        done
        mw=$(printf '%s\n' "${walls[@]}" | median)
        mc=$(printf '%s\n' "${cpus[@]}" | median)
        mr=$(printf '%s\n' "${rsss[@]}" | sort -n | tail -1)
        wall[$tool]=$mw
        printf '| %s | %s | %.3f | %.2f | %.1f | %s |\n' "$s: $count x $size B, -j $j" "$tool" "$mw" "$mc" \
            "$(echo "$mr / 1024" | bc -l)" "$ok" | tee -a "$report"
    done
    fastest=""
    for tool in "${scenario_tools[@]}"; do
        [ "$tool" = heiko ] && continue
        if [ -z "$fastest" ] || (( $(echo "${wall[$tool]} < ${wall[$fastest]}" | bc -l) )); then fastest=$tool; fi
    done
    if [ -n "$fastest" ] && [ -n "${wall[heiko]:-}" ]; then
        printf '| %s | heiko / fastest peer (%s) | %.2fx | | | |\n' "$s" "$fastest" \
            "$(echo "${wall[heiko]} / ${wall[$fastest]}" | bc -l)" | tee -a "$report"
    fi
    unset wall
done
echo "report: $report"

#!/usr/bin/env bash
# Starts Heiko in a real X server (Xvfb) with downloads running from nginx on loopback, and saves a
# screenshot of the screen: docs/screenshot.png by default.
#   tests/manual/screenshot.sh [OUTPUT.png]
# Environment: HEIKO (default build/app/heiko), WAIT (seconds before the shot, default 6), CONNECTIONS
# (connections per file, default 4: the progress bars show the pieces).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
heiko=${HEIKO:-$top/build/app/heiko}
output=${1:-$top/docs/screenshot.png}
wait_s=${WAIT:-6}

for c in Xvfb:xvfb import:imagemagick nginx:nginx-light xdpyinfo:x11-utils; do
    command -v "${c%%:*}" >/dev/null || missing+=("${c##*:}")
done
if [ -n "${missing:-}" ]; then
    sudo=(); [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -x "$heiko" ] || { echo "no heiko at $heiko: run ./run.sh build first" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
    [ -n "${heiko_pid:-}" ] && kill "$heiko_pid" 2>/dev/null
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
    [ -n "${xvfb_pid:-}" ] && kill "$xvfb_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/www/music" "$work/tmp" "$work/out"
names=("Gymnopédie No.1.flac" "Clair de lune.flac" "Träumerei.mp3" "Nocturne Op.9 No.2.mp3" "Canon in D.ogg"
       "Air on the G String.flac" "Moonlight Sonata.mp3")
for i in "${!names[@]}"; do head -c $(( (i + 3) * 7000000 )) /dev/urandom > "$work/www/music/${names[$i]}"; done

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
user_line=""; [ "$(id -u)" -eq 0 ] && user_line="user root root;"
cat > "$work/nginx.conf" <<CONF
$user_line
worker_processes 1; pid $work/nginx.pid; error_log $work/error.log;
events { worker_connections 64; }
http { access_log off; default_type application/octet-stream;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server { listen 127.0.0.1:$port; root $work/www; limit_rate 3m; } }
CONF
nginx -p "$work/" -c "$work/nginx.conf" -e "$work/error.log"

display=:$((90 + RANDOM % 9))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
for _ in $(seq 50); do DISPLAY=$display xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

urls=()
for n in "${names[@]}"; do urls+=("http://127.0.0.1:$port/music/$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$n")"); done
DISPLAY=$display QT_QPA_PLATFORM=xcb HOME=$work XDG_CONFIG_HOME=$work/config HEIKO_INSTANCE_NAME=heiko-screenshot-$$ "$heiko" -j 2 -x "${CONNECTIONS:-4}" -d "$work/out" "${urls[@]}" >"$work/heiko.log" 2>&1 &
heiko_pid=$!
sleep "$wait_s" # the screenshot wants downloads mid-way: a wait for time to pass, not synchronisation
# The window's own frame: the mapped top-level whose class is heiko (there is no window manager under Xvfb).
window=$(DISPLAY=$display xwininfo -root -tree | awk '/"Heiko": \("heiko"/ {print $1; exit}')
DISPLAY=$display import -window "${window:-root}" "$output"
echo "saved $output"

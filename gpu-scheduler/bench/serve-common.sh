# What gpu-serve.sh and gpu-serve-scan.sh share; sourced, from the repository root, after they set
# $out. Gives: $java, $cp (the jars prepare-device.sh packed), check (serve_check.py), adsml (the
# CLI), $url, $data (a temporary folder, removed on exit), $status, serve and stop.
java=.device/jre/bin/java
[ -x "$java" ] || { echo "no .device/jre: run prepare-device.sh, then gpu-bench.sh" >&2; exit 2; }
cp=$(ls .device/lib/*.jar | grep -v junit-platform-console | paste -sd: -)
check() { python3 gpu-scheduler/bench/serve_check.py "$@"; }
adsml() { "$java" -cp "$cp" adsml.cli.Main "$@"; }
url=http://127.0.0.1:18080
data=$(mktemp -d)
server=
status=0

# serve LOG [JAVA_OPTION ...]: `adsml serve` on $data with the admin token gpu-bench, logging to LOG,
# until /health/ready; else the log's tail, the server stopped, and 1.
serve() {
    local log=$1
    shift
    "$java" "$@" -Dadsml.http.admin-token=gpu-bench \
        -cp "$cp" adsml.cli.Main serve --data "$data" --port 18080 --admin-port 18081 > "$log" 2>&1 &
    server=$!
    check wait "$url" 180 "$server" && return 0
    tail -20 "$log"
    stop
    return 1
}

# stop: the server asked to stop and waited for (it holds the ports and the user store's lock), killed after 20 s.
stop() {
    [ -n "$server" ] || return 0
    kill "$server" 2>/dev/null
    for _ in $(seq 1 20); do kill -0 "$server" 2>/dev/null || break; sleep 1; done
    kill -9 "$server" 2>/dev/null
    wait "$server" 2>/dev/null
    server=
}
trap 'stop; rm -rf "$data"' EXIT

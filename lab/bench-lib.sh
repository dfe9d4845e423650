now() { cut -d' ' -f1 /proc/uptime; }
measure() {
    label=$1; shift
    s=$(now); "$@"; rc=$?; e=$(now)
    echo "BENCH $label $(awk "BEGIN { printf \"%.2f\", $e - $s }") rc=$rc"
}

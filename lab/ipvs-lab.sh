#!/usr/bin/env bash
# The IPVS lab: boots Debian's own kernel (ip_vs as modules) under qemu TCG with an initramfs
# holding busybox, ipvsadm, the freshly built lvsc and the libraries ldd lists, runs every
# lab/scenarios/*.sh inside, and reports one line per scenario:
#   @@RESULT <name> PASS|FAIL
# Exit 0 when every scenario passed. Needs root (apt) the first time; the kernel package is
# cached in .build/lab/.
#
# Usage: lab/ipvs-lab.sh [--lvsc PATH] [--only NAME] [--bench N]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LVSC="$ROOT/.build/release/lvsc"
ONLY=""
BENCH=0
while [ $# -gt 0 ]; do
    case "$1" in
        --lvsc) LVSC=$(realpath "$2"); shift 2 ;;
        --only) ONLY="$2"; shift 2 ;;
        --bench) BENCH="$2"; shift 2 ;;
        *) echo "usage: lab/ipvs-lab.sh [--lvsc PATH] [--only NAME] [--bench SERVICES]" >&2; exit 2 ;;
    esac
done
[ -x "$LVSC" ] || { echo "lab: no lvsc at $LVSC (build it: swift build -c release --static-swift-stdlib --product lvsc)" >&2; exit 2; }

. scripts/setup.sh
lvsc_apt_install qemu-system-x86 busybox-static cpio ipvsadm bash keepalived

WORK="$ROOT/.build/lab"
mkdir -p "$WORK"
# 1. Debian's kernel and its modules, unpacked beside the repo (the host's /boot is untouched).
if [ ! -f "$WORK/kernel/ok" ]; then
    rm -rf "$WORK/kernel" && mkdir -p "$WORK/kernel"
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    if [ -z "$pkg" ]; then apt-get update -qq >/dev/null; pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'); fi
    (cd "$WORK/kernel" && { apt-get download -qq "$pkg" 2>/dev/null || { apt-get update -qq >/dev/null; apt-get download -qq "$pkg"; }; } \
        && dpkg-deb -x "$pkg"_*.deb root && rm -f "$pkg"_*.deb)
    touch "$WORK/kernel/ok"
fi
KVER=$(ls "$WORK/kernel/root/lib/modules" | head -1)
MODS="$WORK/kernel/root/lib/modules/$KVER/kernel"
VMLINUZ="$WORK/kernel/root/boot/vmlinuz-$KVER"

# 2. The initramfs.
R="$WORK/root"
rm -rf "$R" && mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,lab/bin,lab/mods,lab/fixtures}
cp /bin/busybox "$R/bin/busybox"
add_binary() {   # a program at the same path in the guest, with every library ldd names
    local src=$1 dst=${2:-$1}
    mkdir -p "$R$(dirname "$dst")" && cp -L "$src" "$R$dst"
    for lib in $(ldd "$src" 2>/dev/null | grep -oE '/[^ ]+'); do
        [ -e "$R$lib" ] || { mkdir -p "$R$(dirname "$lib")"; cp -L "$lib" "$R$lib"; }
    done
}
add_binary /usr/sbin/ipvsadm
add_binary /bin/bash
# iproute2 for network namespaces (busybox ip has no netns); ahead of busybox on PATH.
add_binary /bin/ip /lab/bin/ip
cp /usr/sbin/ipvsadm-save /usr/sbin/ipvsadm-restore "$R/usr/sbin/"
add_binary "$LVSC" /lab/bin/lvsc
# keepalived, for running a VRRP director's rc.final block as written (scenario 90).
add_binary /usr/sbin/keepalived
# ipip for a TUN real server's block, whose own `modprobe ipip` loads it: a modules.dep of
# the three modules it needs (the package ships none).
mkdir -p "$R/lib/modules/$KVER/kernel/net/ipv4"
for m in tunnel4 ip_tunnel ipip; do cp "$MODS/net/ipv4/$m.ko" "$R/lib/modules/$KVER/kernel/net/ipv4/"; done
printf '%s\n' "kernel/net/ipv4/tunnel4.ko:" "kernel/net/ipv4/ip_tunnel.ko:" \
    "kernel/net/ipv4/ipip.ko: kernel/net/ipv4/tunnel4.ko kernel/net/ipv4/ip_tunnel.ko" > "$R/lib/modules/$KVER/modules.dep"
# Load order by hand: the package ships no modules.dep, and libcrc32c needs crc32c_generic first.
for m in crypto/crc32c_generic lib/libcrc32c net/ipv4/netfilter/nf_defrag_ipv4 net/ipv6/netfilter/nf_defrag_ipv6 \
         net/netfilter/nf_conntrack net/netfilter/ipvs/ip_vs \
         net/netfilter/ipvs/ip_vs_{rr,wrr,lc,wlc,lblc,lblcr,dh,sh,sed,nq,fo,ovf,mh} drivers/net/dummy drivers/net/veth; do
    cp "$MODS/$m.ko" "$R/lab/mods/"
    basename "$m" >> "$R/lab/mods/order"
done
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' > "$R/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$R/etc/group"
cp -r Fixtures/archive "$R/lab/fixtures/archive"
cp -r Fixtures/archive-doc "$R/lab/fixtures/archive-doc"
cp -r Fixtures/emit/mixed "$R/lab/fixtures/mixed"
cp -r Fixtures/emit/checked "$R/lab/fixtures/checked"
cp -r lab/configs "$R/lab/fixtures/configs"
mkdir -p "$R/lab/scenarios"
for s in lab/scenarios/*.sh; do
    name=$(basename "$s" .sh)
    if [ -z "$ONLY" ] || [ "$name" = "$ONLY" ]; then cp "$s" "$R/lab/scenarios/"; fi
done
if [ "$BENCH" -gt 0 ]; then
    python3 bench/genconf.py "$BENCH" "$R/lab/fixtures/bench.conf"
    python3 bench/genconf.py 1 "$R/lab/fixtures/bench-1.conf"
    cp lab/bench-guest.sh "$R/lab/scenarios/zz-bench.sh"
    cp lab/bench-lib.sh "$R/lab/scenarios/zz-bench-lib.sh"
fi
cat > "$R/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s
export PATH=/lab/bin:/bin:/sbin:/usr/bin:/usr/sbin HOME=/ NO_COLOR=1
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp; mount -t tmpfs run /run
for m in $(cat /lab/mods/order); do insmod /lab/mods/$m.ko 2>/dev/null || echo "lab: insmod $m failed"; done
ip link set lo up
echo "@@LAB_BEGIN@@"
for s in /lab/scenarios/*.sh; do
    name=$(basename "$s" .sh)
    case "$name" in *-lib) continue ;; esac
    ipvsadm -C 2>/dev/null
    start=$(cut -d' ' -f1 /proc/uptime)
    if sh -e "$s" > /tmp/out 2>&1; then r=PASS; else r="FAIL rc=$?"; fi
    end=$(cut -d' ' -f1 /proc/uptime)
    if [ "$r" != PASS ] || [ "${name#zz-}" != "$name" ]; then sed "s/^/  $name| /" /tmp/out; fi
    echo "@@RESULT $name $r ($start-$end s guest time)@@"
done
echo "@@LAB_END@@"
poweroff -f
INIT
chmod +x "$R/init"
(cd "$R" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) > "$WORK/initrd.gz"

# 3. Boot under TCG (KVM here cannot run a stock kernel) with a hard timeout. The pipeline's own
# status says nothing (timeout kills qemu either way): what counts is the end marker and the
# per-scenario results checked below.
timeout "${LAB_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg -cpu max -m 1536 -nographic -no-reboot -net none \
    -kernel "$VMLINUZ" -initrd "$WORK/initrd.gz" -append "console=ttyS0 panic=-1 quiet" </dev/null \
    | tr -d '\r' | sed -n '/@@LAB_BEGIN@@/,/@@LAB_END@@/p' > "$WORK/guest.out" || true
sed -e '/@@LAB_BEGIN@@/d' -e '/@@LAB_END@@/d' -e 's/^@@RESULT \(.*\)@@$/@@RESULT \1/' "$WORK/guest.out"
grep -q '@@LAB_END@@' "$WORK/guest.out" || { echo "lab: the guest did not finish (timeout or crash)"; exit 1; }
! grep -q '^@@RESULT .* FAIL' "$WORK/guest.out"

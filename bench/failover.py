#!/usr/bin/env python3
"""Failover benchmark: `lvsc run` against keepalived, the backup taking over from its master.

Two directors and a client in network namespaces on a bridge (192.0.2.1 master, 192.0.2.2
backup, VIP 198.51.100.10, client 198.51.100.99: documentation ranges only). For each scenario the two tools take turns, run after
run: a pair of the same tool is started (master priority 150, backup 100), left to settle, then
the master is killed (SIGKILL: keepalived's parent and its VRRP child together) or stopped
(SIGTERM: it resigns with priority 0; a killed master's VIP is deleted at once as if its host
had died), and the backup's takeover is timed five ways:

  client-gap  the longest gap in replies a client on the same LAN got to pings of the VIP sent
              every 10 ms (kernel timestamps): the outage as the client saw it, ARP update included
  poll        from the signal to the VIP seen on the backup by `ip addr` polled every 50 ms
              (as keepalived's figures in the issue were taken)
  netlink     from the signal to the kernel's RTM_NEWADDR for the VIP in the backup's namespace
  wire        from the signal to the backup's first advert on the link
  after-last  from the master's last advert (its priority-0 advert for a stop) to the backup's
              first advert: what the protocol bounds (master-down interval, or skew time)

Packets are timed by the kernel (SO_TIMESTAMPNS on an AF_PACKET socket in the master's
namespace, which sees both directions of its veth end). Not a test: it asserts nothing;
BENCHMARKS.md records its latest output. Root; keepalived and iproute2 installed.

With --hog-seconds N it then runs VRRPv3 at advert_int 0.02 for N seconds per tool with every
core kept busy by a CPU hog, counting spurious takeovers (the backup's adverts while the master
lives, the VIP added on the backup) and the master's longest gap between adverts, then kills the
master under load and times the takeover.

Usage: bench/failover.py [--lvsc PATH] [--runs 20] [--scenarios v2-kill,v2-stop,v3-kill-0.1]
                         [--hog-seconds 600]
"""
import argparse, os, select, signal, socket, statistics, struct, subprocess, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VIP = "198.51.100.10"
MASTER_IP, BACKUP_IP = "192.0.2.1", "192.0.2.2"

# name: (VRRP version, advert_int, signal)
SCENARIOS = {
    "v2-kill": (2, 1.0, signal.SIGKILL),
    "v2-stop": (2, 1.0, signal.SIGTERM),
    "v3-kill-0.1": (3, 0.1, signal.SIGKILL),
}


def bound(version, interval, sig, backup_priority=100):
    """The protocol's time from the master's last advert to the backup's first (RFC 5798
    §6.1: skew time = (256 - priority) * interval / 256; master-down = 3 * interval + skew)."""
    skew = (256 - backup_priority) * interval / 256
    return skew if sig == signal.SIGTERM else 3 * interval + skew


# ---- helpers run inside a namespace (this script re-executed with --sniff / --watch) ----

def sniff(interface):
    """Prints `kernel-time source priority` for every VRRP packet on `interface`, either way."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((interface, 0))
    s.setsockopt(socket.SOL_SOCKET, 35, 1)  # SO_TIMESTAMPNS
    out = sys.stdout
    print("ready", flush=True)
    while True:
        data, anc, _, _ = s.recvmsg(2048, 64)
        if len(data) < 14 + 20 or data[12:14] != b"\x08\x00" or data[14 + 9] != 112:
            continue
        ihl = (data[14] & 0x0F) * 4
        stamp = time.time()
        for level, kind, value in anc:
            if level == socket.SOL_SOCKET and kind == 35:
                sec, nsec = struct.unpack("qq", value[:16])
                stamp = sec + nsec / 1e9
        source = socket.inet_ntoa(data[14 + 12:14 + 16])
        vrrp = data[14 + ihl:]
        if len(vrrp) >= 3:
            out.write(f"{stamp:.6f} {source} {vrrp[2]}\n")
            out.flush()


def watch(vip):
    """Prints the wall time at which the kernel announces `vip` added (RTM_NEWADDR)."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)  # NETLINK_ROUTE
    s.bind((0, 0x10))  # RTMGRP_IPV4_IFADDR
    want = socket.inet_aton(vip)
    print("ready", flush=True)
    while True:
        data = s.recv(65536)
        now = time.time()
        off = 0
        while off + 16 <= len(data):
            length, kind = struct.unpack_from("IH", data, off)
            if length < 16:
                break
            if kind == 20:  # RTM_NEWADDR: ifaddrmsg (8 bytes), then attributes
                a = off + 16 + 8
                while a + 4 <= off + length:
                    alen, atype = struct.unpack_from("HH", data, a)
                    if alen < 4:
                        break
                    if atype in (1, 2) and data[a + 4:a + alen] == want:
                        print(f"{now:.6f}", flush=True)
                        break
                    a += (alen + 3) & ~3
            off += (length + 3) & ~3


def probe(vip):
    """A client: an ICMP echo to `vip` every 10 ms; prints `kernel-time seq` for each reply, so
    the gap in replies is the outage a client of the VIP sees."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.setsockopt(socket.SOL_SOCKET, 35, 1)  # SO_TIMESTAMPNS
    ident = os.getpid() & 0xFFFF

    def checksum(b):
        total = sum(struct.unpack(f"!{len(b) // 2}H", b))
        while total >> 16:
            total = (total & 0xFFFF) + (total >> 16)
        return ~total & 0xFFFF

    print("ready", flush=True)
    seq, due = 0, time.time()
    while True:
        now = time.time()
        if now >= due:
            body = struct.pack("!BBHHH", 8, 0, 0, ident, seq & 0xFFFF) + b"lvsc-failover-probe!"
            body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
            s.sendto(body, (vip, 0))
            seq += 1
            due += 0.01
            if due < now:
                due = now + 0.01
        ready, _, _ = select.select([s], [], [], max(0.0, due - time.time()))
        if not ready:
            continue
        data, anc, _, _ = s.recvmsg(2048, 64)
        ihl = (data[0] & 0x0F) * 4
        if len(data) < ihl + 8 or data[ihl] != 0:
            continue
        _, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
        if rid != ident:
            continue
        stamp = time.time()
        for level, kind, value in anc:
            if level == socket.SOL_SOCKET and kind == 35:
                sec, nsec = struct.unpack("qq", value[:16])
                stamp = sec + nsec / 1e9
        print(f"{stamp:.6f} {rseq}", flush=True)


def client_gap(lab, t0, t1):
    """The longest time between two replies the client got from the VIP in [t0, t1]."""
    replies = [float(l[0]) for l in lab["probe"].since(t0) if float(l[0]) <= t1]
    gaps = [b - a for a, b in zip(replies, replies[1:])]
    return max(gaps) if gaps else None


# ---- the benchmark ----

def sh(cmd, check=True):
    return subprocess.run(cmd, shell=True, check=check, capture_output=True, text=True)


class Stream:
    """A helper process whose stdout lines are collected with their arrival."""

    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        self.lines = []
        self.lock = threading.Lock()
        first = self.proc.stdout.readline()
        if first.strip() != "ready":
            raise SystemExit(f"helper did not start: {argv}")
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.proc.stdout:
            with self.lock:
                self.lines.append(line.split())

    def since(self, t):
        with self.lock:
            return [l for l in self.lines if float(l[0]) >= t]

    def before(self, t):
        with self.lock:
            return [l for l in self.lines if float(l[0]) < t]

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def config(work, name, iface, priority, state, version, interval):
    auth = "    authentication {\n        auth_type PASS\n        auth_pass bench51\n    }\n" if version == 2 else ""
    path = os.path.join(work, name + ".conf")
    with open(path, "w") as f:
        f.write(f"""global_defs {{
    router_id {name}
    vrrp_version {version}
}}
vrrp_instance VI_1 {{
    state {state}
    interface {iface}
    virtual_router_id 51
    priority {priority}
    advert_int {interval}
{auth}    virtual_ipaddress {{
        {VIP}/32
    }}
}}
""")
    return path


class Daemon:
    def __init__(self, tool, ns, conf, work, lvsc, tag):
        self.tool, self.work, self.tag = tool, work, tag
        log = open(os.path.join(work, f"{tag}.log"), "w")
        if tool == "lvsc":
            argv = [lvsc, "run", "-f", conf, "--vrrp-only"]
        else:
            self.vrrp_pid = os.path.join(work, f"{tag}.vrrp.pid")
            argv = ["keepalived", "--dont-fork", "--log-console", "--vrrp", "--use-file", conf,
                    "--pid", os.path.join(work, f"{tag}.pid"), "--vrrp_pid", self.vrrp_pid]
        # `ip netns exec` execs the program: the Popen pid is the daemon itself.
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns] + argv, stdout=log, stderr=log)

    def pids(self):
        pids = [self.proc.pid]
        if self.tool == "keepalived":
            try:
                pids.append(int(open(self.vrrp_pid).read().strip()))
            except (OSError, ValueError):
                pass
        return pids

    def signal(self, sig):
        """SIGKILL kills keepalived's VRRP child with its parent (a parent killed alone lets the
        child run on); SIGTERM goes to the parent, which stops its children as it does at
        shutdown."""
        for pid in (self.pids() if sig == signal.SIGKILL else [self.proc.pid]):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass

    def end(self):
        if self.proc.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.proc.wait()


def holds(ns, iface):
    return f"{VIP}/32" in sh(f"ip -n {ns} -4 addr show dev {iface}", check=False).stdout


def start_pair(tool, lab, args, tag, version, interval):
    """A master (priority 150) and a backup (100) of one tool; returns once the master holds
    the VIP."""
    m_ns, b_ns, work = lab["m"], lab["b"], lab["work"]
    mc = config(work, f"{tag}-m", "va", 150, "MASTER", version, interval)
    bc = config(work, f"{tag}-b", "vb", 100, "BACKUP", version, interval)
    backup = Daemon(tool, b_ns, bc, work, args.lvsc, f"{tag}-b")
    master = Daemon(tool, m_ns, mc, work, args.lvsc, f"{tag}-m")
    deadline = time.time() + 15
    while not holds(m_ns, "va"):
        if time.time() > deadline:
            master.end()
            backup.end()
            raise RuntimeError(f"{tool}: the master never took the VIP (logs in {work})")
        time.sleep(0.05)
    return master, backup


def one_run(tool, scenario, lab, args):
    version, interval, sig = SCENARIOS[scenario]
    m_ns, b_ns, work = lab["m"], lab["b"], lab["work"]
    master, backup = start_pair(tool, lab, args, f"{tool}-{scenario}", version, interval)
    try:
        # Settle: the backup has heard several adverts and its master-down timer is running.
        time.sleep(max(2.0, 5 * interval))
        if holds(b_ns, "vb"):
            raise RuntimeError(f"{tool}: both hold the VIP before the failure")
        t0 = time.time()
        master.signal(sig)
        if sig == signal.SIGKILL:
            # As if the host had died: a killed daemon leaves its VIP on a live interface, which
            # would go on answering the client.
            sh(f"ip -n {m_ns} addr del {VIP}/32 dev va", check=False)
        polled = None
        while time.time() - t0 < 10:
            if holds(b_ns, "vb"):
                polled = time.time() - t0
                break
            time.sleep(0.05)
        if polled is None:
            raise RuntimeError(f"{tool}: the backup did not take over within 10 s (logs in {work})")
        time.sleep(0.2)
        announced = lab["watch"].since(t0)
        taken = [l for l in lab["sniff"].since(t0 - 0.5) if l[1] == BACKUP_IP and float(l[0]) >= t0]
        mine = [l for l in lab["sniff"].before(t0 + 1) if l[1] == MASTER_IP]
        if sig == signal.SIGTERM:
            # The priority-0 advert is the last one the master sent.
            last = [l for l in mine if l[2] == "0" and float(l[0]) >= t0]
        else:
            last = [l for l in mine if float(l[0]) < t0]
        first = float(taken[0][0]) if taken else None
        time.sleep(0.3)
        return {
            "client-gap": client_gap(lab, t0 - 0.5, t0 + polled + 0.5),
            "poll": polled,
            "netlink": float(announced[0][0]) - t0 if announced else None,
            "wire": first - t0 if first else None,
            "after-last": first - float(last[-1][0]) if first and last else None,
        }
    finally:
        master.end()
        backup.end()
        sh(f"ip -n {m_ns} addr flush dev va to {VIP}/32; ip -n {b_ns} addr flush dev vb to {VIP}/32", check=False)
        time.sleep(0.3)


def hog_run(tool, lab, args):
    """VRRPv3 at advert_int 0.02 (master-down interval 72 ms) while two busy loops keep both
    cores loaded for `--hog-seconds`: how often the backup takes over from a live master
    (spurious transitions, from the backup's adverts on the wire and the kernel's RTM_NEWADDR
    for the VIP in its namespace), then the takeover time from a killed master, still loaded."""
    interval = 0.02
    m_ns, b_ns, work = lab["m"], lab["b"], lab["work"]
    master, backup = start_pair(tool, lab, args, f"{tool}-hog", 3, interval)
    hogs = []
    try:
        time.sleep(2)
        hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
        t0 = time.time()
        time.sleep(args.hog_seconds)
        t1 = time.time()
        adverts = [float(l[0]) for l in lab["sniff"].since(t0) if l[1] == BACKUP_IP and float(l[0]) < t1]
        # One spurious takeover: a run of the backup's adverts (it sends only while MASTER).
        episodes = sum(1 for i, t in enumerate(adverts) if i == 0 or t - adverts[i - 1] > 10 * interval)
        vip_added = len([l for l in lab["watch"].since(t0) if float(l[0]) < t1])
        steady_gap = client_gap(lab, t0, t1)
        mine = [float(l[0]) for l in lab["sniff"].since(t0) if l[1] == MASTER_IP and float(l[0]) < t1]
        gaps = [b - a for a, b in zip(mine, mine[1:])]
        # The failover, still under load.
        t2 = time.time()
        master.signal(signal.SIGKILL)
        sh(f"ip -n {m_ns} addr del {VIP}/32 dev va", check=False)
        took = None
        while time.time() - t2 < 10:
            if holds(b_ns, "vb"):
                took = time.time() - t2
                break
            time.sleep(0.05)
        time.sleep(0.5)
        last = [float(l[0]) for l in lab["sniff"].before(t2) if l[1] == MASTER_IP]
        first = [float(l[0]) for l in lab["sniff"].since(t2) if l[1] == BACKUP_IP]
        return {
            "seconds": t1 - t0, "spurious": episodes, "vip-added": vip_added,
            "master-adverts": len(mine), "max-gap": max(gaps) if gaps else None,
            "client-max-gap": steady_gap,
            "poll": took, "after-last": first[0] - last[-1] if first and last else None,
            "client-gap": client_gap(lab, t2 - 0.5, t2 + (took or 1) + 0.5),
        }
    finally:
        for h in hogs:
            h.kill()
            h.wait()
        master.end()
        backup.end()
        sh(f"ip -n {m_ns} addr flush dev va to {VIP}/32; ip -n {b_ns} addr flush dev vb to {VIP}/32", check=False)
        time.sleep(0.3)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lvsc", default=os.path.join(ROOT, ".build/release/lvsc"))
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--scenarios", default=",".join(SCENARIOS))
    p.add_argument("--hog-seconds", type=float, default=0,
                   help="also run VRRPv3 at advert_int 0.02 under a CPU hog this long per tool (the issue asks 600)")
    p.add_argument("--sniff", help=argparse.SUPPRESS)
    p.add_argument("--watch", help=argparse.SUPPRESS)
    p.add_argument("--probe", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.sniff:
        return sniff(args.sniff)
    if args.watch:
        return watch(args.watch)
    if args.probe:
        return probe(args.probe)
    if os.geteuid() != 0:
        raise SystemExit("failover.py: needs root (network namespaces)")
    for tool in (args.lvsc, "/usr/sbin/keepalived"):
        if not os.access(tool, os.X_OK):
            raise SystemExit(f"failover.py: {tool} is missing (build lvsc; apt-get install keepalived)")
    scenarios = [s for s in args.scenarios.split(",") if s]
    for s in scenarios:
        if s not in SCENARIOS:
            raise SystemExit(f"failover.py: unknown scenario {s}; known: {', '.join(SCENARIOS)}")
    tag = f"{os.getpid()}"
    lab = {"m": f"lvsc-fo-m-{tag}", "b": f"lvsc-fo-b-{tag}", "c": f"lvsc-fo-c-{tag}", "s": f"lvsc-fo-s-{tag}",
           "work": tempfile.mkdtemp(prefix="lvsc-failover-")}
    # The two directors and a client of the VIP (198.51.100.99, on the VIP's subnet: it finds
    # the VIP by ARP, so a takeover reaches it through the new MASTER's gratuitous ARP) on a bridge.
    sh(f"""set -e
        for n in {lab['m']} {lab['b']} {lab['c']} {lab['s']}; do ip netns add $n; ip -n $n link set lo up; done
        ip -n {lab['s']} link add br0 type bridge; ip -n {lab['s']} link set br0 up
        ip link add va netns {lab['m']} type veth peer name pa netns {lab['s']}
        ip link add vb netns {lab['b']} type veth peer name pb netns {lab['s']}
        ip link add vc netns {lab['c']} type veth peer name pc netns {lab['s']}
        for p in pa pb pc; do ip -n {lab['s']} link set $p master br0; ip -n {lab['s']} link set $p up; done
        ip -n {lab['m']} addr add {MASTER_IP}/24 dev va; ip -n {lab['b']} addr add {BACKUP_IP}/24 dev vb
        ip -n {lab['c']} addr add 198.51.100.99/24 dev vc
        ip -n {lab['m']} link set va up; ip -n {lab['b']} link set vb up; ip -n {lab['c']} link set vc up
        ip -n {lab['m']} route add 198.51.100.0/24 dev va; ip -n {lab['b']} route add 198.51.100.0/24 dev vb""")
    me = os.path.abspath(__file__)
    results = {}
    hogged = {}
    try:
        lab["sniff"] = Stream(["ip", "netns", "exec", lab["m"], sys.executable, me, "--sniff", "va"])
        lab["watch"] = Stream(["ip", "netns", "exec", lab["b"], sys.executable, me, "--watch", VIP])
        lab["probe"] = Stream(["ip", "netns", "exec", lab["c"], sys.executable, me, "--probe", VIP])
        for scenario in scenarios:
            for run in range(args.runs):
                # Alternate which tool goes first, so neither always runs on a warmer machine.
                order = ("lvsc", "keepalived") if run % 2 == 0 else ("keepalived", "lvsc")
                for tool in order:
                    r = one_run(tool, scenario, lab, args)
                    results.setdefault((scenario, tool), []).append(r)
                    cells = " ".join(f"{k}={v:.4f}" if v is not None else f"{k}=-" for k, v in r.items())
                    print(f"{scenario} run {run + 1:2} {tool:10} {cells}", file=sys.stderr, flush=True)
        if args.hog_seconds > 0:
            for tool in ("lvsc", "keepalived"):
                hogged[tool] = hog_run(tool, lab, args)
                print(f"hog {tool}: {hogged[tool]}", file=sys.stderr, flush=True)
    finally:
        for k in ("sniff", "watch", "probe"):
            if k in lab:
                lab[k].stop()
        sh(f"for n in {lab['m']} {lab['b']} {lab['c']} {lab['s']}; do ip netns del $n; done; rm -rf {lab['work']}", check=False)
    report(results, scenarios, args.runs)
    if hogged:
        print(f"\nv3-hog-0.02: VRRPv3, advert_int 0.02 (master-down interval 0.072 s), {os.cpu_count()} busy loops "
              f"keeping every core loaded for {args.hog_seconds:.0f} s per tool, then SIGKILL under load")
        keys = ("spurious", "vip-added", "master-adverts", "max-gap", "client-max-gap", "poll", "after-last", "client-gap")
        print(f"{'':12}" + "".join(f"{k:>16}" for k in keys))
        for tool, r in hogged.items():
            print(f"{tool:12}" + "".join(f"{(f'{r[k]:.4f}' if isinstance(r[k], float) else str(r[k])):>16}" for k in keys))


def report(results, scenarios, runs):
    columns = ("client-gap", "poll", "netlink", "wire", "after-last")
    if not scenarios:
        return
    print(f"failover, {runs} runs per tool and scenario; medians in seconds (min-max)")
    for scenario in scenarios:
        version, interval, sig = SCENARIOS[scenario]
        what = "priority 0 -> skew time" if sig == signal.SIGTERM else "master-down interval"
        print(f"\n{scenario}: VRRPv{version}, advert_int {interval}, {signal.Signals(sig).name}; "
              f"protocol bound (after-last) {bound(version, interval, sig):.3f} s ({what})")
        print(f"{'':12}" + "".join(f"{c:>22}" for c in columns))
        medians = {}
        for tool in ("lvsc", "keepalived"):
            row = f"{tool:12}"
            for c in columns:
                vals = [r[c] for r in results.get((scenario, tool), []) if r[c] is not None]
                if not vals:
                    row += f"{'-':>22}"
                    continue
                medians[(tool, c)] = statistics.median(vals)
                cell = f"{statistics.median(vals):.4f} ({min(vals):.3f}-{max(vals):.3f})"
                if len(vals) < runs:
                    cell += f" n={len(vals)}"
                row += f"{cell:>22}"
            print(row)
        row = f"{'lvsc/keep.':12}"
        for c in columns:
            l, k = medians.get(("lvsc", c)), medians.get(("keepalived", c))
            row += f"{(f'{l / k:.3f}' if l and k else '-'):>22}"
        print(row)
        l = medians.get(("lvsc", "after-last"))
        if l:
            print(f"lvsc after-last median - bound: {(l - bound(version, interval, sig)) * 1000:+.1f} ms")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes a keepalived.conf with N virtual servers x 4 real servers, each with a TCP_CHECK.

Addresses come from the documentation ranges; the file is for parsing only and never
configures a host. Usage: genconf.py N OUT [--director lvs01|lvs02]
"""
import sys

def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    backup = "--director" in sys.argv and sys.argv[sys.argv.index("--director") + 1] != "lvs01"
    lines = []
    w = lines.append
    w("global_defs {")
    w("    router_id LVS_BENCH")
    w("}")
    w("")
    w("vrrp_instance VI_1 {")
    w("    state %s" % ("BACKUP" if backup else "MASTER"))
    w("    interface eth0")
    w("    virtual_router_id 51")
    w("    priority %d" % (100 if backup else 150))
    w("    advert_int 1")
    w("    virtual_ipaddress {")
    # One VIP per /24 of virtual servers keeps the VRRP packet small: the rest are excluded.
    w("        192.0.2.1/24")
    w("    }")
    w("    virtual_ipaddress_excluded {")
    # The NAT real servers' gateway on their LAN (lvsc's nat-gateway rule asks for one).
    w("        198.19.255.254/16")
    for i in range(n):
        w("        %s/32" % vip(i))
    w("    }")
    w("}")
    for i in range(n):
        w("")
        w("virtual_server %s 80 {" % vip(i))
        w("    delay_loop 6")
        w("    lb_algo wrr")
        w("    lb_kind NAT")
        w("    persistence_timeout 300")
        w("    protocol TCP")
        for r in range(4):
            w("")
            w("    real_server %s 8080 {" % rip(i, r))
            w("        weight %d" % (r + 1))
            w("        TCP_CHECK {")
            w("            connect_port 8080")
            w("            connect_timeout 3")
            w("        }")
            w("    }")
        w("}")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")

def vip(i):
    # 10.x would be a private range; the file is never applied, but keep to test-nets and 100.64/10's
    # neighbours anyway: 198.18.0.0/15 (benchmarking, RFC 2544) has room for 131,072 addresses.
    return "198.18.%d.%d" % (i // 250, i % 250 + 1)

def rip(i, r):
    k = i * 4 + r
    return "198.19.%d.%d" % (k // 250, k % 250 + 1)

if __name__ == "__main__":
    main()

# ipvsadm-save's order where its comparator wraps around (fwmark 2415919105 before address
# services and fwmark 1), reproduced by `lvsc emit ipvsadm` and `lvsc state`.
/lab/bin/ip link show eth0 >/dev/null 2>&1 || { /lab/bin/ip link add eth0 type dummy && /lab/bin/ip link set eth0 up; }
cd /lab/fixtures/configs
lvsc apply -f order.conf 2>/tmp/err || { cat /tmp/err; exit 1; }
lvsc emit ipvsadm -f order.conf > /tmp/want 2>/dev/null
ipvsadm-save -n > /tmp/got
cat /tmp/got
cmp /tmp/want /tmp/got || { diff /tmp/want /tmp/got; exit 1; }
head -1 /tmp/got | grep -q -- "-A -f -1879048191 -s rr"
lvsc state | cmp - /tmp/got
# ipvsadm-save prints a mark from 2^31 up with %d, and ipvsadm-restore then refuses its own
# save; lvsc's command script writes the mark unsigned, which ipvsadm accepts.
ipvsadm -C
if ipvsadm-restore < /tmp/got 2>/tmp/restore.err; then echo "ipvsadm-restore now accepts negative marks"; exit 1; fi
grep -q "invalid fwmark value" /tmp/restore.err
ipvsadm -C
lvsc emit ipvsadm -f order.conf --style commands > /tmp/cmds.sh 2>/dev/null
sh /tmp/cmds.sh
ipvsadm-save -n | cmp - /tmp/want
# The script can be re-run: it deletes the services it is about to add.
sh /tmp/cmds.sh
ipvsadm-save -n | cmp - /tmp/want

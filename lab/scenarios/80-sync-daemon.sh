# The connection-sync daemon from lvs_sync_daemon: master where the instance starts as MASTER,
# backup where it starts as BACKUP; re-applying changes nothing; switching the role stops one
# daemon and starts the other.
/lab/bin/ip link show eth0 >/dev/null 2>&1 || { /lab/bin/ip link add eth0 type dummy && /lab/bin/ip link set eth0 up; }
cd /lab/fixtures/configs
lvsc apply -f sync-master.conf 2>/tmp/a.err || { cat /tmp/a.err; exit 1; }
ipvsadm -L --daemon > /tmp/d1
cat /tmp/d1
grep -q "master sync daemon (mcast=eth0, syncid=42" /tmp/d1
lvsc apply -f sync-master.conf 2>&1 | grep -q "0 netlink writes"
lvsc state --format json | grep -q '"role": "master"'
lvsc plan -f sync-backup.conf --live > /tmp/plan 2>/dev/null
cat /tmp/plan
[ "$(grep -c daemon /tmp/plan)" = 2 ] || { echo "expected a stop and a start"; exit 1; }
lvsc apply -f sync-backup.conf 2>/tmp/b.err || { cat /tmp/b.err; exit 1; }
ipvsadm -L --daemon > /tmp/d2
cat /tmp/d2
grep -q "backup sync daemon (mcast=eth0, syncid=42" /tmp/d2
! grep -q "master sync daemon" /tmp/d2
lvsc apply -f sync-backup.conf 2>&1 | grep -q "0 netlink writes"

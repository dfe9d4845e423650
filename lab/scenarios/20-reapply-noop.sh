# A second apply of an unchanged configuration makes no netlink write.
cd /lab/fixtures/archive
lvsc apply --host lvs01 2>/tmp/first
lvsc apply --host lvs01 2>/tmp/second
cat /tmp/second
grep -q "already matches its configuration (0 netlink writes)" /tmp/second
ipvsadm-save -n > /tmp/now
lvsc plan --host lvs01 --state /tmp/now > /tmp/plan 2>&1
grep -q "^0 operations" /tmp/plan
# The same through plan --live (the kernel read through netlink).
lvsc plan --host lvs01 --live > /tmp/live 2>&1
cat /tmp/live
grep -q "^0 operations" /tmp/live

# Errors a person can act on, with their exit codes: a missing scheduler module (3), no
# privileges (3), and a flushed table re-applied from scratch.
cd /lab/fixtures/configs
rmmod ip_vs_nq
set +e
lvsc apply -f nq.conf 2>/tmp/err; rc=$?
set -e
cat /tmp/err
[ "$rc" = 3 ] || { echo "missing scheduler: exit $rc, expected 3"; exit 1; }
grep -q "modprobe ip_vs_nq" /tmp/err
insmod /lab/mods/ip_vs_nq.ko
lvsc apply -f nq.conf
set +e
su -s /bin/sh -c "/lab/bin/lvsc state" nobody 2>/tmp/err2; rc=$?
su -s /bin/sh -c "/lab/bin/lvsc apply -f /lab/fixtures/configs/nq.conf" nobody 2>/tmp/err3; rc3=$?
set -e
cat /tmp/err2 /tmp/err3
[ "$rc" = 3 ] && [ "$rc3" = 3 ] || { echo "unprivileged: exit $rc/$rc3, expected 3"; exit 1; }
grep -q "CAP_NET_ADMIN" /tmp/err2
grep -q "CAP_NET_ADMIN" /tmp/err3

# Each change of the configuration is exactly the operation it needs, leaves the table equal to
# `lvsc emit ipvsadm`, and is followed by an empty plan: a changed weight, an added and a
# removed real server, a changed scheduler, a changed persistence.
cd /lab/fixtures/configs
cp ../archive/lvs01.conf /tmp/step0.conf
lvsc apply -f /tmp/step0.conf
check() {   # config, expected single operation kind
    ipvsadm-save -n > /tmp/before
    lvsc plan -f "$1" --state /tmp/before > /tmp/plan 2>/dev/null
    cat /tmp/plan
    [ "$(wc -l < /tmp/plan)" = 1 ] || { echo "expected one operation for $1"; exit 1; }
    grep -q "^$2 " /tmp/plan || { echo "expected '$2' for $1"; exit 1; }
    lvsc apply -f "$1" 2>/tmp/apply || { cat /tmp/apply; exit 1; }
    grep -q "(1 netlink write)" /tmp/apply || { cat /tmp/apply; exit 1; }
    lvsc emit ipvsadm -f "$1" > /tmp/want 2>/dev/null
    ipvsadm-save -n > /tmp/got
    cmp /tmp/want /tmp/got || { diff /tmp/want /tmp/got; exit 1; }
    lvsc apply -f "$1" 2>&1 | grep -q "0 netlink writes"
}
check step1-weight.conf "update dest"
check step2-add.conf "add dest"
check step3-remove.conf "delete dest"
check step4-scheduler.conf "update service"
check step5-persistence.conf "update service"

#!/usr/bin/env bash
# Installs what lvsc's build, tests and examples need on Debian 12, when it is missing.
# Sourced by the other scripts; safe to run twice.
set -euo pipefail

lvsc_find_swift() {
    if command -v swift >/dev/null 2>&1; then return 0; fi
    for d in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
        if [ -x "$d/swift" ]; then export PATH="$PATH:$d"; return 0; fi
    done
    echo "lvsc: no Swift toolchain found (need Swift 6.x: swift.org/install, or /opt/swift)" >&2
    return 1
}

lvsc_apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "lvsc: missing packages ${missing[*]}; run as root or install them" >&2
        return 1
    fi
    echo "lvsc: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
}

lvsc_setup() {
    lvsc_apt_install pkg-config libnl-3-dev libnl-genl-3-dev keepalived ipvsadm python3 python3-venv git tar \
        qemu-system-x86 busybox-static cpio systemd kmod patch tshark graphviz
    lvsc_find_swift
}

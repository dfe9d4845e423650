#!/usr/bin/env bash
# The main job on the bundled example: lint the seed cluster (cluster.txt, both directors).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
lvsc_setup
swift build -c release --static-swift-stdlib --product lvsc >&2
exec .build/release/lvsc lint --inventory Fixtures/archive/cluster.txt "$@"

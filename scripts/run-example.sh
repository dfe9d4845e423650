#!/usr/bin/env bash
# The main job on the bundled example: lint the seed cluster's director configs.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
lvsc_setup
swift build -c release --static-swift-stdlib --product lvsc >&2
exec .build/release/lvsc lint Fixtures/archive/lvs01.conf Fixtures/archive/lvs02.conf "$@"

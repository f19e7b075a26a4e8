#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The README's first command: install what is missing, build, and compile
# the bundled example policy into out/ (offline: its hostnames resolve from
# examples/hosts).
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
make example

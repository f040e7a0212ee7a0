#!/usr/bin/env bash
# Peer conformance: docker-compose 1.29.2's own suite (tests/integration + tests/acceptance,
# 494 tests) against the daemon at $DOCKER_HOST. Point it only at a daemon on a temporary root:
# the tests remove whatever carries their labels and prune as they like.
#
#   DOCKER_HOST=unix:///tmp/dy/d.sock tests/peers/compose_v1.sh [pytest args]
#   ... tests/peers/compose_v1.sh tests/acceptance/cli_test.py -k logs   (paths replace the targets)
#
# Environment: COMPOSE_MIRROR (git mirror of github.com/docker/compose; default
# .mirror/docker+compose/repo in the nearest folder above the project that has one), COMPOSE_SRC (/tmp/compose-1.29.2),
# COMPOSE_VENV (/tmp/compose-1.29.2-venv), COMPOSE_JUNIT, COMPOSE_TIMEOUT (300 s a test),
# COMPOSE_SAVE=FILE (write each test's outcome as JSON: how the dockerd baseline was made).
# Needs Debian's docker-compose package (its Python dependencies) and the docker CLI.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
TAG=1.29.2
MIRROR=${COMPOSE_MIRROR:-$(d=$REPO; while [ "$d" != / ] && [ ! -e "$d/.mirror/docker+compose/repo" ]; do d=$(dirname "$d"); done; echo "$d/.mirror/docker+compose/repo")}
SRC=${COMPOSE_SRC:-/tmp/compose-$TAG}
VENV=${COMPOSE_VENV:-/tmp/compose-$TAG-venv}
JUNIT=${COMPOSE_JUNIT:-/tmp/compose-$TAG-junit.xml}
die() { echo "compose_v1.sh: $*" >&2; exit 2; }
[ -n "${DOCKER_HOST:-}" ] || die "set DOCKER_HOST to a daemon on a temporary root"

if [ ! -f "$SRC/tests/integration/testcases.py" ]; then
    [ -e "$MIRROR" ] || die "no docker-compose source: set COMPOSE_SRC or COMPOSE_MIRROR"
    git clone -q "$MIRROR" "$SRC" && git -C "$SRC" checkout -q "$TAG" || die "cannot check out $TAG"
fi
if [ ! -x "$VENV/bin/docker-compose" ]; then
    # Debian's python3 carries docker-compose's dependencies (docker-py 5, PyYAML, docopt, ...);
    # the suite's own pins (PyYAML 5.4) no longer build on Python 3.11.
    /usr/bin/python3 -m venv --system-site-packages "$VENV" &&
        "$VENV/bin/pip" install -q 'pytest==7.4.2' 'pytest-timeout==2.1.0' 'ddt==1.7.2' &&
        "$VENV/bin/pip" install -q --no-deps -e "$SRC" || die "virtualenv $VENV failed"
fi
# The images the suite pulls from Docker Hub, made offline (pull tests fail on every daemon here).
PYTHONPATH=$REPO python3 -m tests.peers.stand_ins \
    busybox:1.31.0-uclibc busybox:latest busybox:1.27.2 alpine:3.10.1 || die "stand-in images failed"

targets=(tests/integration tests/acceptance)
for a in "$@"; do case $a in tests/*) targets=();; esac; done
rm -f "$JUNIT"
( cd "$SRC" && HOME=/tmp PATH="$VENV/bin:$PATH" "$VENV/bin/python" -m pytest -p no:cacheprovider \
    -o addopts= -p no:warnings --tb=short -rfE --timeout="${COMPOSE_TIMEOUT:-300}" --junitxml="$JUNIT" \
    "${targets[@]}" "$@" )
rc=$?
[ -s "$JUNIT" ] || die "pytest wrote no junit xml"
PYTHONPATH=$REPO python3 -m tests.peers.outcomes "$JUNIT" ${COMPOSE_SAVE:+--save "$COMPOSE_SAVE"} \
    --compare "$HERE/baselines/compose-v1-dockerd-20.10.json"
exit $rc

#!/usr/bin/env bash
# Idempotent: makes a machine able to run the linux-driver tests against a real OpenSSH sshd.
# Tests spawn their own `sshd -D -f <tmp config> -p <spare port>` on 127.0.0.1 (see scripts/sshd-peer.ts);
# this script only installs the binary and creates the test account. Needs root.
set -euo pipefail

TEST_USER="${NETOPS_SSHD_TEST_USER:-netops-test}"

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-sshd: must run as root (installs openssh-server, creates user ${TEST_USER})" >&2
  exit 1
fi

if ! [ -x /usr/sbin/sshd ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server
fi
# Privilege-separation directory; absent on machines where the system sshd never ran.
mkdir -p /run/sshd
chmod 0755 /run/sshd

if ! id "$TEST_USER" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash "$TEST_USER"
fi
# The tests set a fresh random password per run (chpasswd); an account without one is locked ("!"),
# which sshd refuses even for key auth when UsePAM is off. Give it an unusable-but-unlocked state.
if passwd -S "$TEST_USER" | awk '{print $2}' | grep -q '^L$'; then
  usermod -p '*' "$TEST_USER"
fi
echo "setup-sshd: ok (sshd $(/usr/sbin/sshd -V 2>&1 | head -1 || true), user ${TEST_USER})"

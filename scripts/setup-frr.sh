#!/usr/bin/env bash
# FRRouting in a network namespace, reachable over SSH as a user whose login shell is `vtysh -N <ns>`.
#
#   setup-frr.sh install        idempotent: apt frr, the login-shell wrapper, the SSH user (default)
#   setup-frr.sh start [ns]     (re)creates the namespace, writes the config, starts zebra+bgpd in it
#   setup-frr.sh stop  [ns]     stops the daemons and deletes the namespace
#
# Needs root. The daemons use FRR's pathspace (-N ns): config in /etc/frr/<ns>/, sockets in
# /var/run/frr/<ns>/, which is what `vtysh -N <ns>` talks to.
set -euo pipefail

ACTION="${1:-install}"
NS="${2:-netops-frr}"
FRR_USER="${NETOPS_FRR_SSH_USER:-netops-frr}"
WRAPPER=/usr/local/bin/netops-vtysh
CONF_DIR="/etc/frr/${NS}"
RUN_DIR="/var/run/frr/${NS}"

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-frr: must run as root (network namespaces, FRR daemons, user ${FRR_USER})" >&2
  exit 1
fi

install() {
  if ! [ -x /usr/lib/frr/zebra ] || ! [ -x /usr/bin/vtysh ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends frr iproute2
  fi
  # The namespace name is fixed into the wrapper: sshd passes no environment to a login shell.
  cat > "$WRAPPER" <<WRAP
#!/bin/sh
exec /usr/bin/vtysh -N ${NS} "\$@"
WRAP
  chmod 0755 "$WRAPPER"
  if ! id "$FRR_USER" >/dev/null 2>&1; then
    useradd --create-home --shell "$WRAPPER" --groups frrvty,frr "$FRR_USER"
  else
    usermod --shell "$WRAPPER" -a -G frrvty,frr "$FRR_USER"
  fi
  if passwd -S "$FRR_USER" | awk '{print $2}' | grep -q '^L$'; then
    usermod -p '*' "$FRR_USER"
  fi
  echo "setup-frr: installed (user ${FRR_USER}, shell ${WRAPPER} -> vtysh -N ${NS})"
}

stop() {
  for d in bgpd zebra; do
    if [ -f "${RUN_DIR}/${d}.pid" ]; then
      kill "$(cat "${RUN_DIR}/${d}.pid")" 2>/dev/null || true
    fi
  done
  sleep 0.3
  for d in bgpd zebra; do
    if [ -f "${RUN_DIR}/${d}.pid" ]; then
      kill -9 "$(cat "${RUN_DIR}/${d}.pid")" 2>/dev/null || true
      rm -f "${RUN_DIR}/${d}.pid"
    fi
  done
  ip netns del "$NS" 2>/dev/null || true
}

start() {
  install >/dev/null
  stop
  ip netns add "$NS"
  ip -n "$NS" link set lo up
  # Containers often lack the veth/dummy link types, so the addresses live on the namespace's lo.
  # The BGP neighbours are configured but absent: they sit in Active, like a real box with a down peer.
  ip -n "$NS" addr add 10.255.99.1/32 dev lo
  ip -n "$NS" addr add 10.99.0.1/30 dev lo

  mkdir -p "$CONF_DIR" "$RUN_DIR"
  cat > "${CONF_DIR}/frr.conf" <<CONF
frr defaults traditional
hostname frr-lab
log syslog informational
service integrated-vtysh-config
!
interface lo
 description loopback-in-netns
exit
!
router bgp 65001
 bgp router-id 10.255.99.1
 no bgp ebgp-requires-policy
 neighbor 10.99.0.2 remote-as 65002
 neighbor 10.99.0.2 description lab-peer
 neighbor 10.99.0.6 remote-as 65003
 !
 address-family ipv4 unicast
  network 10.255.99.1/32
 exit-address-family
exit
!
line vty
!
CONF
  echo 'service integrated-vtysh-config' > "${CONF_DIR}/vtysh.conf"
  chown -R frr:frr "$CONF_DIR" "$RUN_DIR"
  chmod 0640 "${CONF_DIR}/frr.conf"
  chmod 0644 "${CONF_DIR}/vtysh.conf"
  chmod 0775 "$RUN_DIR"
  chgrp frrvty "$RUN_DIR"
  for d in zebra bgpd; do
    ip netns exec "$NS" "/usr/lib/frr/${d}" -d -N "$NS" -u frr -g frr -P 0 \
      -f "${CONF_DIR}/frr.conf" -i "${RUN_DIR}/${d}.pid"
  done
  for _ in $(seq 1 50); do
    if [ -S "${RUN_DIR}/bgpd.vty" ] && [ -S "${RUN_DIR}/zebra.vty" ]; then
      echo "setup-frr: started zebra+bgpd in netns ${NS}"
      return 0
    fi
    sleep 0.1
  done
  echo "setup-frr: daemons did not create their vty sockets in ${RUN_DIR}" >&2
  return 1
}

case "$ACTION" in
  install) install ;;
  start) start ;;
  stop) stop; echo "setup-frr: stopped ${NS}" ;;
  *) echo "usage: $0 install|start|stop [namespace]" >&2; exit 2 ;;
esac

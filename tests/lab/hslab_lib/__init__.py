"""hslab: the hotstandby namespace lab. One source of truth per lab, a containerlab topology file
in tests/clab/, built here with network namespaces, veth pairs and bridges (tests/lab/README.md).

Modules: topo (read and check a clab file), netns (names, commands, removal by prefix), lab (build
and tear down), signals (the trap), boxes (our daemons, hrpctl, vtysh, manual-active), faults
(injectors), probes (UDP probe, TCP flows, iperf3), scenario (the harness of check-lab)."""

/* Interface link state from rtnetlink (libmnl): a dump at start, then every change, delivered
 * through the loop. An interface is up when it is administratively up and has carrier. */
#ifndef VGMPD_LINK_MONITOR_H
#define VGMPD_LINK_MONITOR_H

#include <stdbool.h>

#include "loop.h"

struct mnl_socket;

typedef void (*vgmpd_link_cb)(const char *ifname, bool up, void *arg);

struct vgmpd_link_monitor {
	struct mnl_socket *sock;
	struct hs_io io;
	vgmpd_link_cb cb;
	void *arg;
	unsigned long long events, overruns;
};

/* Opens (or adopts fd, for a hot restart) the socket, subscribes to link changes and asks for a
 * dump; the dump's answers arrive through cb like any change. 0 or -errno. */
int vgmpd_link_monitor_open(struct vgmpd_link_monitor *m, struct hs_loop *loop, int fd,
			    vgmpd_link_cb cb, void *arg);
/* Asks for the state of every link again (answers through cb). 0 or -errno. */
int vgmpd_link_monitor_dump(struct vgmpd_link_monitor *m);
void vgmpd_link_monitor_close(struct vgmpd_link_monitor *m);

#endif

/* Passing file descriptors between processes (SCM_RIGHTS), and the named set of sockets a daemon
 * adopts at start instead of opening them anew: the building block of hot restart. */
#ifndef HS_FDPASS_H
#define HS_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

#define HS_FDPASS_MAX 64

/* Sends len bytes of data (at least 1) and n fds in one message. Returns 0 or -errno. */
int hs_fd_send(int sock, const int *fds, size_t n, const void *data, size_t len);
/* Receives one message: up to *n fds (updated to the count received) and up to len bytes of data.
 * Returns the byte count or -errno; received fds are close-on-exec. Truncated control data is
 * -EMSGSIZE and every fd that did arrive is closed. */
ssize_t hs_fd_recv(int sock, int *fds, size_t *n, void *data, size_t len);

/* A set of inherited sockets by name ("ctl", "vrrp4:lan0", ...). */
struct hs_fdset {
	size_t count;
	struct {
		char name[48];
		int fd;
	} entry[HS_FDPASS_MAX];
};

void hs_fdset_init(struct hs_fdset *set);
int hs_fdset_add(struct hs_fdset *set, const char *name, int fd);
/* Returns the fd and removes it from the set, or -1 when none was passed under that name. */
int hs_fdset_take(struct hs_fdset *set, const char *name);
/* Closes every fd nobody took. */
void hs_fdset_close_all(struct hs_fdset *set);

#endif

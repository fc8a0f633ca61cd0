/* One child process run asynchronously for vgmpd (script trackers, notify hooks): spawned in a
 * process group of its own with a clean signal mask, watched by a pidfd in the loop (as ospf.c
 * watches vtysh), killed with its whole group when it outlives its timeout. vgmpd never waits
 * for it. */
#ifndef VGMPD_CHILD_H
#define VGMPD_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

#include "loop.h"

struct vgmpd_child;
/* status as from waitpid; timed_out: it was killed for its timeout. */
typedef void (*vgmpd_child_cb)(struct vgmpd_child *c, int status, bool timed_out, void *arg);

struct vgmpd_child {
	struct hs_loop *loop;
	pid_t pid; /* 0: none running */
	int pidfd;
	bool timed_out;
	struct hs_io io;
	struct hs_timer timer;
	vgmpd_child_cb cb;
	void *arg;
};

/* Spawns file (searched in PATH when search) in a process group of its own, with no blocked
 * signals and default handlers, stdin on /dev/null and stdout on out_fd (< 0: /dev/null).
 * Returns 0 with *pid set, or an errno value (posix_spawn's). */
int vgmpd_spawn(const char *file, bool search, char *const argv[], char *const envp[],
		int out_fd, pid_t *pid);

void vgmpd_child_init(struct vgmpd_child *c, struct hs_loop *loop, vgmpd_child_cb cb, void *arg);
/* Runs path with argv (argv[0] included) and envp (NULL: ours), stdin and stdout on /dev/null.
 * 0, -EBUSY (one is running) or -errno (it could not start; cb is not called). */
int vgmpd_child_run(struct vgmpd_child *c, const char *path, char *const argv[],
		    char *const envp[], uint32_t timeout_ms);
bool vgmpd_child_running(const struct vgmpd_child *c);
/* Kills a running child's group and reaps it (no callback). */
void vgmpd_child_free(struct vgmpd_child *c);
/* Lets a running child go on unwatched (no timeout, no callback; init or the service manager
 * reaps it): a hot restart's old process must not kill an operator's hook half-way. */
void vgmpd_child_abandon(struct vgmpd_child *c);

#endif

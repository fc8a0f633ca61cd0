/* OSPF cost through vtysh (see ospf.h). vtysh is a child process watched by a pidfd in the loop,
 * so vgmpd never waits for FRR. */
#include "ospf.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

#define OSPF_RETRY_MS 1000
#define OSPF_CHILD_MS 10000 /* vtysh's longest run; then SIGKILL (it failed, tried again) */
#define OSPF_PREFIX   "[ospf-cost]"

extern char **environ;

static void run_next(struct vgmpd_ospf *o);

static void tell(struct vgmpd_ospf *o, int cost)
{
	if (o->applied_cb)
		o->applied_cb(o->applied_arg, cost);
}

void vgmpd_ospf_finished(struct vgmpd_ospf *o, bool ok, const char *how)
{
	if (ok) {
		o->applied = o->child_cost;
		hs_info(OSPF_PREFIX, "cost %d applied (%s)", o->applied, how);
		tell(o, o->applied);
	} else {
		/* FRR down or restarting: try again a little later, never give up. */
		o->failures++;
		hs_warn(OSPF_PREFIX, "%s failed; retrying in %d ms", how, OSPF_RETRY_MS);
		hs_timer_arm_in(&o->retry, OSPF_RETRY_MS);
		tell(o, -1); /* some interfaces may have it, some not */
		return;
	}
	run_next(o);
}

static void child_done(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct vgmpd_ospf *o = arg;
	int status = 0;
	waitpid(o->child, &status, 0);
	hs_timer_cancel(&o->child_timeout);
	hs_io_stop(&o->io);
	close(o->pidfd);
	o->pidfd = -1;
	o->child = 0;
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (!ok)
		hs_warn(OSPF_PREFIX, "vtysh ended with status %d", status);
	vgmpd_ospf_finished(o, ok, "vtysh");
}

static void child_stuck(struct hs_timer *t, void *arg)
{
	struct vgmpd_ospf *o = arg;
	(void)t;
	hs_warn(OSPF_PREFIX, "vtysh did not end within %d ms: killed", OSPF_CHILD_MS);
	kill(o->child, SIGKILL); /* child_done reaps it */
}

static void retry_fired(struct hs_timer *t, void *arg)
{
	struct vgmpd_ospf *o = arg;
	o->applied = -1;
	run_next(o);
}

static void run_next(struct vgmpd_ospf *o)
{
	/* Switched off, the cost may still go back to the default. */
	if (vgmpd_ospf_busy(o) || (!o->cfg->enable && o->wanted) || o->cfg->interfaces.count == 0 ||
	    o->wanted == o->applied || hs_timer_armed(&o->retry))
		return;
	o->child_cost = o->wanted;
	if (vgmpd_ospf_vty_start(o) == 0) {
		o->runs++;
		return;
	}
	/* vtysh [--vty_socket DIR] -c 'configure terminal' -c 'interface IF' -c '...' per IF */
	char *argv[4 + 4 * HS_CFG_LIST_MAX + 2];
	char cmd[HS_CFG_LIST_MAX][64], ifc[HS_CFG_LIST_MAX][IF_NAMESIZE + 16];
	int n = 0;
	argv[n++] = "vtysh";
	if (o->cfg->vtysh_socket[0]) {
		argv[n++] = "--vty_socket";
		argv[n++] = (char *)o->cfg->vtysh_socket;
	}
	argv[n++] = "-c";
	argv[n++] = "configure terminal";
	for (size_t i = 0; i < o->cfg->interfaces.count; i++) {
		snprintf(ifc[i], sizeof(ifc[i]), "interface %s", o->cfg->interfaces.item[i]);
		if (o->wanted)
			snprintf(cmd[i], sizeof(cmd[i]), "ip ospf cost %d", o->wanted);
		else
			snprintf(cmd[i], sizeof(cmd[i]), "no ip ospf cost");
		argv[n++] = "-c";
		argv[n++] = ifc[i];
		argv[n++] = "-c";
		argv[n++] = cmd[i];
	}
	argv[n] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3); /* none of ours, whatever their flags */
	pid_t pid;
	int r = posix_spawnp(&pid, "vtysh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	int pidfd = r == 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	if (r != 0 || pidfd < 0 ||
	    hs_io_start(&o->io, o->loop, pidfd, EPOLLIN, child_done, o) < 0) {
		hs_err(OSPF_PREFIX, "cannot run vtysh: %s", strerror(r ? r : errno));
		if (pidfd >= 0)
			close(pidfd);
		if (r == 0)
			waitpid(pid, NULL, 0);
		o->failures++;
		hs_timer_arm_in(&o->retry, OSPF_RETRY_MS);
		return;
	}
	o->runs++;
	o->child = pid;
	o->pidfd = pidfd;
	hs_timer_arm_in(&o->child_timeout, OSPF_CHILD_MS);
}

int vgmpd_ospf_cost_value(const struct hs_ospf_cost_config *cfg, enum vgmp_cost level)
{
	/* Switched off: whatever the level, the interfaces go back to their own cost. */
	if (!cfg->enable && level != VGMP_COST_UNKNOWN)
		return 0;
	switch (level) {
	case VGMP_COST_RAISED: return cfg->cost;
	case VGMP_COST_NORMAL: return cfg->active_cost;
	case VGMP_COST_PREFERRED: return cfg->active_cost >= 2 ? cfg->active_cost - 1 : cfg->active_cost;
	default: return -1;
	}
}

bool vgmpd_ospf_busy(const struct vgmpd_ospf *o)
{
	return o->child != 0 || o->vty_fd >= 0;
}

void vgmpd_ospf_read(struct vgmpd_ospf *o, vgmpd_ospf_found_cb cb, void *arg)
{
	if (!o->cfg->enable || o->cfg->interfaces.count == 0 || vgmpd_ospf_busy(o))
		return;
	o->found = cb;
	o->found_arg = arg;
	int r = vgmpd_ospf_vty_read(o);
	if (r < 0) {
		o->found = NULL; /* never called: the checks may start */
		hs_info(OSPF_PREFIX, "ospfd's cost not read (%s): the first decision is applied",
			strerror(-r));
	}
}

/* A check's reading: every configured interface at the cost we applied, or it is applied again
 * (told first, so the peer stops counting on a raised cost that is gone). */
static void check_finished(struct vgmpd_ospf *o, const char *config)
{
	if (!config || o->applied < 0)
		return; /* ospfd not answering: nothing to compare, the next check asks again */
	o->checks++;
	for (size_t i = 0; i < o->cfg->interfaces.count; i++) {
		const char *ifname = o->cfg->interfaces.item[i];
		int has = frr_ospf_config_cost(config, ifname);
		if (has == o->applied)
			continue;
		o->reapplies++;
		hs_warn(OSPF_PREFIX,
			"ospfd has cost %d on %s, not our %d (0: its own): applying again", has,
			ifname, o->applied);
		o->applied = -1;
		tell(o, -1);
		return;
	}
	tell(o, o->applied);
}

static void check_fired(struct hs_timer *t, void *arg)
{
	struct vgmpd_ospf *o = arg;
	hs_timer_arm_in(&o->check, VGMPD_OSPF_CHECK_MS);
	/* Only what is settled: a change in flight or due says nothing yet. */
	if (!o->cfg->enable || o->cfg->interfaces.count == 0 || vgmpd_ospf_busy(o) || o->found ||
	    o->applied < 0 || o->wanted != o->applied || hs_timer_armed(&o->retry))
		return;
	o->checking = true;
	int r = vgmpd_ospf_vty_read(o);
	if (r < 0) {
		o->checking = false; /* no ospfd vty (vtysh only): not checked */
		hs_debug(HS_DBG_VGMP, OSPF_PREFIX, "cost not checked: %s", strerror(-r));
	}
}

void vgmpd_ospf_read_finished(struct vgmpd_ospf *o, const char *config)
{
	if (o->checking) {
		o->checking = false;
		check_finished(o, config);
		run_next(o);
		return;
	}
	size_t n = config ? o->cfg->interfaces.count : 0;
	int costs[HS_CFG_LIST_MAX];
	for (size_t i = 0; i < n; i++) {
		costs[i] = frr_ospf_config_cost(config, o->cfg->interfaces.item[i]);
		hs_info(OSPF_PREFIX, "ospfd has cost %d on %s at our start (0: its own)", costs[i],
			o->cfg->interfaces.item[i]);
	}
	if (!config)
		hs_info(OSPF_PREFIX, "ospfd's cost not read: the first decision is applied");
	if (o->found)
		o->found(o->found_arg, costs, n);
	o->found = NULL;
	run_next(o); /* a change wanted meanwhile */
}

void vgmpd_ospf_init(struct vgmpd_ospf *o, struct hs_loop *loop,
		     const struct hs_ospf_cost_config *cfg, vgmpd_ospf_applied_cb applied,
		     void *arg)
{
	*o = (struct vgmpd_ospf){
		.loop = loop, .cfg = cfg, .applied = -1, .pidfd = -1, .vty_fd = -1
	};
	o->applied_cb = applied;
	o->applied_arg = arg;
	hs_timer_init(&o->retry, loop, retry_fired, o);
	hs_timer_init(&o->child_timeout, loop, child_stuck, o);
	hs_timer_init(&o->check, loop, check_fired, o);
	hs_timer_arm_in(&o->check, VGMPD_OSPF_CHECK_MS);
	vgmpd_ospf_vty_init(o);
}

static bool same_interfaces(const struct hs_ospf_cost_config *a,
			    const struct hs_ospf_cost_config *b)
{
	if (a->interfaces.count != b->interfaces.count ||
	    strcmp(a->vtysh_socket, b->vtysh_socket) != 0)
		return false;
	for (size_t i = 0; i < a->interfaces.count; i++)
		if (strcmp(a->interfaces.item[i], b->interfaces.item[i]) != 0)
			return false;
	return true;
}

void vgmpd_ospf_reconfigure(struct vgmpd_ospf *o, const struct hs_ospf_cost_config *next)
{
	/* The new interfaces have not had our cost: it goes to all of them again. */
	if (!same_interfaces(o->cfg, next) && o->applied >= 0) {
		o->applied = -1;
		tell(o, -1);
	}
	o->cfg = next;
}

void vgmpd_ospf_want(struct vgmpd_ospf *o, int cost)
{
	o->wanted = cost;
	run_next(o);
}

void vgmpd_ospf_free(struct vgmpd_ospf *o)
{
	hs_timer_free(&o->retry);
	hs_timer_free(&o->check);
	vgmpd_ospf_vty_close(o);
	free(o->text);
	o->text = NULL;
	hs_timer_free(&o->vty_timeout);
	hs_timer_free(&o->child_timeout);
	if (o->child) {
		/* Killed first: a stuck vtysh would hold the stop (the next process, or the next
		 * start, applies the wanted cost again); then reaped at once. */
		hs_io_stop(&o->io);
		kill(o->child, SIGKILL);
		waitpid(o->child, NULL, 0);
		close(o->pidfd);
		o->child = 0;
	}
}

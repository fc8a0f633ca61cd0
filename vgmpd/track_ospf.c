/* OSPF neighbour tracker: every interval, `vtysh [--vty_socket DIR] -c 'show ip ospf neighbor
 * json'` (DIR: vgmpd.ospf_cost.vtysh_socket, the same FRR as the cost adjustment), run like
 * ospf.c runs vtysh: a child watched by a pidfd in the loop, never waited for. Its stdout comes
 * through a pipe, also in the loop; a run past the timeout is killed with its process group. The
 * text is read by lib/vgmp_ospf_nbr.c (pure): up while the neighbour is Full.
 *
 * Down: the neighbour is in any other state, or absent (ospfd deleted it when its dead timer ran
 * out), at once; or the probe itself failed VGMP_OSPF_NBR_PROBE_FAILS times in a row (vtysh
 * answered with something else than the neighbour JSON: ospfd not running, no OSPF instance; or
 * it failed, or timed out): FRR that cannot answer is not routing either, but one lost answer is
 * a busy box, not a lost neighbour. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "trackers.h"
#include "vgmpd.h"

#define PREFIX    "[track-ospf]"
#define OUT_MAX   (4u << 20) /* a neighbour table past 4 MiB is not ours to read */
#define VTYSH_CMD "show ip ospf neighbor json"

extern char **environ;

/* One run's outcome (answered: the neighbour's state; else the probe failed) to the core, as
 * lib/vgmp_ospf_nbr.c judges it: a failure counts only as the last of several in a row. */
static void report(struct vgmpd_tracker *k, bool answered, enum vgmp_ospf_nbr_state s)
{
	struct vgmpd_ospf_nbr_probe *o = &k->u.ospf;
	enum vgmp_ospf_nbr_verdict v = vgmp_ospf_nbr_run(&o->fails_in_row, answered, s);
	if (v == VGMP_OSPF_NBR_KEEP) {
		hs_debug(HS_DBG_VGMP, PREFIX, "%s: probe failed (%u in a row): state kept", k->name,
			 o->fails_in_row);
		return;
	}
	if (!answered)
		o->last = (struct vgmp_ospf_nbr){ .state = VGMP_OSPF_NBR_ABSENT };
	bool up = v == VGMP_OSPF_NBR_SAY_UP;
	if (up)
		o->ups++;
	else
		o->downs++;
	vgmpd_tracker_report(k, up ? VGMP_OBJ_UP : VGMP_OBJ_DOWN);
}

/* Whatever is in the pipe, without blocking. false at EOF or on an error. */
static bool drain(struct vgmpd_ospf_nbr_probe *o)
{
	for (;;) {
		if (o->cap - o->len < 4096) {
			size_t cap = o->cap ? 2 * o->cap : 16384;
			char *b = cap <= OUT_MAX ? realloc(o->buf, cap) : NULL;
			if (!b)
				return false;
			o->buf = b;
			o->cap = cap;
		}
		ssize_t n = read(o->out, o->buf + o->len, o->cap - o->len);
		if (n > 0) {
			o->len += (size_t)n;
			continue;
		}
		return n < 0 && (errno == EAGAIN || errno == EINTR);
	}
}

static void close_out(struct vgmpd_ospf_nbr_probe *o)
{
	if (o->out >= 0) {
		hs_io_stop(&o->out_io);
		close(o->out);
		o->out = -1;
	}
}

static void readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct vgmpd_tracker *k = arg;
	if (!drain(&k->u.ospf))
		close_out(&k->u.ospf); /* EOF (or too much): the rest comes from the exit */
}

static void reap(struct vgmpd_ospf_nbr_probe *o, int *status)
{
	waitpid(o->pid, status, 0);
	hs_io_stop(&o->pid_io);
	close(o->pidfd);
	o->pidfd = -1;
	o->pid = 0;
	hs_timer_cancel(&o->kill_timer);
}

static void exited(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct vgmpd_tracker *k = arg;
	struct vgmpd_ospf_nbr_probe *o = &k->u.ospf;
	int status = 0;
	kill(-o->pid, SIGKILL);
	reap(o, &status);
	/* The child is gone: what it wrote is in the pipe. */
	if (o->out >= 0)
		drain(o);
	close_out(o);
	if (o->timed_out) {
		o->timeouts++;
		hs_warn(PREFIX, "%s: vtysh killed after %d ms", k->name,
			hs_vgmp_tracker_timeout_ms(&k->cfg));
		report(k, false, VGMP_OSPF_NBR_ABSENT);
		return;
	}
	struct vgmp_ospf_nbr n;
	int r = vgmp_ospf_nbr_find(o->buf, o->len, k->cfg.neighbor, k->cfg.interface, &n);
	if (r < 0) {
		/* ospfd not running, no instance, vtysh cannot reach FRR: its text, not JSON. */
		if (o->unreadable++ == 0 || !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			hs_debug(HS_DBG_VGMP, PREFIX, "%s: vtysh status %d, %zu bytes not read",
				 k->name, status, o->len);
		o->failures += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		report(k, false, VGMP_OSPF_NBR_ABSENT);
		return;
	}
	if (n.state != o->last.state)
		hs_info(PREFIX, "%s: neighbour %s", k->name, vgmp_ospf_nbr_state_name(n.state));
	o->last = n;
	report(k, true, n.state);
}

static void kill_fired(struct hs_timer *t, void *arg)
{
	struct vgmpd_tracker *k = arg;
	struct vgmpd_ospf_nbr_probe *o = &k->u.ospf;
	if (!o->pid)
		return;
	o->timed_out = true;
	kill(-o->pid, SIGKILL); /* the pidfd reports the end */
}

static int spawn(struct vgmpd_tracker *k)
{
	struct vgmpd_ospf_nbr_probe *o = &k->u.ospf;
	const char *sock = k->g->d->config->vgmpd.ospf_cost.vtysh_socket;
	char *argv[] = { "vtysh", "--vty_socket", (char *)sock, "-c", VTYSH_CMD, NULL };
	if (!sock[0]) {
		argv[1] = "-c";
		argv[2] = VTYSH_CMD;
		argv[3] = NULL;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid;
	int r = vgmpd_spawn("vtysh", true, argv, NULL, p[1], &pid);
	close(p[1]);
	if (r != 0) {
		close(p[0]);
		return -r;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0 || hs_io_start(&o->pid_io, &k->g->d->loop, pidfd, EPOLLIN, exited, k) < 0) {
		r = pidfd < 0 ? -errno : -EIO;
		if (pidfd >= 0)
			close(pidfd);
		close(p[0]);
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return r;
	}
	o->out = p[0];
	if (hs_io_start(&o->out_io, &k->g->d->loop, o->out, EPOLLIN, readable, k) < 0) {
		/* Read at the exit instead; a table past the pipe's buffer then times out. */
		close(o->out);
		o->out = -1;
	}
	o->pid = pid;
	o->pidfd = pidfd;
	o->timed_out = false;
	o->len = 0;
	hs_timer_arm_in(&o->kill_timer, (uint64_t)hs_vgmp_tracker_timeout_ms(&k->cfg));
	return 0;
}

static void timer_fired(struct hs_timer *t, void *arg)
{
	struct vgmpd_tracker *k = arg;
	struct vgmpd_ospf_nbr_probe *o = &k->u.ospf;
	hs_timer_arm_in(&o->timer, (uint64_t)hs_vgmp_tracker_interval_ms(&k->cfg));
	if (o->pid)
		return; /* still running: its timeout ends it */
	int r = spawn(k);
	if (r < 0) {
		if (o->failures++ == 0)
			hs_warn(PREFIX, "%s: cannot run vtysh: %s", k->name, strerror(-r));
		report(k, false, VGMP_OSPF_NBR_ABSENT);
		return;
	}
	o->runs++;
}

static int ospf_start(struct vgmpd_tracker *k)
{
	struct vgmpd_ospf_nbr_probe *o = &k->u.ospf;
	*o = (struct vgmpd_ospf_nbr_probe){ .pidfd = -1, .out = -1 };
	o->last.state = VGMP_OSPF_NBR_ABSENT;
	hs_timer_init(&o->timer, &k->g->d->loop, timer_fired, k);
	hs_timer_init(&o->kill_timer, &k->g->d->loop, kill_fired, k);
	hs_info(PREFIX, "%s: asking FRR every %d ms (timeout %d ms)", k->name,
		hs_vgmp_tracker_interval_ms(&k->cfg), hs_vgmp_tracker_timeout_ms(&k->cfg));
	return hs_timer_arm_in(&o->timer, 0);
}

static void ospf_stop(struct vgmpd_tracker *k)
{
	struct vgmpd_ospf_nbr_probe *o = &k->u.ospf;
	hs_timer_free(&o->timer);
	if (o->pid) {
		int status;
		kill(-o->pid, SIGKILL);
		reap(o, &status);
	}
	hs_timer_free(&o->kill_timer);
	close_out(o);
	free(o->buf);
	o->buf = NULL;
	o->cap = o->len = 0;
}

static void ospf_status(const struct vgmpd_tracker *k, json_t *obj)
{
	const struct vgmpd_ospf_nbr_probe *o = &k->u.ospf;
	json_object_set_new(
		obj, "ospf",
		json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:b, s:I, s:I, s:I, s:I, s:I, s:I, "
			  "s:i}",
			  "neighbor", k->cfg.neighbor, "interface", k->cfg.interface,
			  "neighbor_state", vgmp_ospf_nbr_state_name(o->last.state), "router_id",
			  o->last.router_id, "seen_on", o->last.ifname, "interval_ms",
			  hs_vgmp_tracker_interval_ms(&k->cfg), "timeout_ms",
			  hs_vgmp_tracker_timeout_ms(&k->cfg), "running", o->pid != 0, "runs",
			  (json_int_t)o->runs, "ups", (json_int_t)o->ups, "downs",
			  (json_int_t)o->downs, "failures", (json_int_t)o->failures, "timeouts",
			  (json_int_t)o->timeouts, "unreadable", (json_int_t)o->unreadable,
			  "failed_in_row", (int)o->fails_in_row));
}

const struct vgmpd_tracker_ops vgmpd_track_ospf_ops = {
	.type = "ospf-neighbor",
	.start = ospf_start,
	.stop = ospf_stop,
	.status = ospf_status,
};

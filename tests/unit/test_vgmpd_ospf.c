/* vgmpd's OSPF cost adapter (vgmpd/ospf.c, vgmpd/ospf_vty.c, built in here) against a fake
 * ospfd: this process listens on DIR/ospfd.vty in the same loop, speaks FRR's vty protocol
 * (lib/frr_vty.h) and keeps `ip ospf cost` per interface as its running configuration. A change
 * is reported to the caller once taken; the periodic check finds a cost an ospfd restart lost,
 * counts it and applies it again; a new interface list gets the cost; switched off, every level
 * is the interface's own cost. */
#define VGMPD_OSPF_CHECK_MS 50

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "ospf.c"
#include "ospf_vty.c"

/* ---- the fake ospfd ---- */

static struct {
	struct hs_loop loop;
	char dir[64];
	int lfd, cfd;
	struct hs_io lio, cio;
	char in[4096];
	size_t in_len;
	char cur[IF_NAMESIZE];
	struct {
		char name[IF_NAMESIZE];
		int cost;
	} ifc[8];
	size_t n_ifc;
	unsigned connections;
	/* what the adapter told */
	int told[32];
	unsigned n_told;
} F;

static int *cost_of(const char *name)
{
	for (size_t i = 0; i < F.n_ifc; i++)
		if (strcmp(F.ifc[i].name, name) == 0)
			return &F.ifc[i].cost;
	assert_true(F.n_ifc < 8);
	snprintf(F.ifc[F.n_ifc].name, IF_NAMESIZE, "%s", name);
	F.ifc[F.n_ifc].cost = 0;
	return &F.ifc[F.n_ifc++].cost;
}

static void answer(const char *cmd)
{
	char out[2048] = "";
	if (strncmp(cmd, "interface ", 10) == 0) {
		snprintf(F.cur, sizeof(F.cur), "%.15s", cmd + 10);
	} else if (strncmp(cmd, "ip ospf cost ", 13) == 0) {
		*cost_of(F.cur) = atoi(cmd + 13);
	} else if (strcmp(cmd, "no ip ospf cost") == 0) {
		*cost_of(F.cur) = 0;
	} else if (strcmp(cmd, "show running-config") == 0) {
		size_t at = (size_t)snprintf(out, sizeof(out), "frr version 8.4\n!\n");
		for (size_t i = 0; i < F.n_ifc; i++) {
			at += (size_t)snprintf(out + at, sizeof(out) - at, "interface %s\n",
					       F.ifc[i].name);
			if (F.ifc[i].cost)
				at += (size_t)snprintf(out + at, sizeof(out) - at,
						       " ip ospf cost %d\n", F.ifc[i].cost);
			at += (size_t)snprintf(out + at, sizeof(out) - at, "exit\n!\n");
		}
	}
	size_t n = strlen(out);
	assert_int_equal(write(F.cfd, out, n), (ssize_t)n);
	assert_int_equal(write(F.cfd, "\0\0\0\0", 4), 4); /* CMD_SUCCESS */
}

static void conn_readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	ssize_t n = read(fd, F.in + F.in_len, sizeof(F.in) - F.in_len);
	if (n <= 0) {
		hs_io_stop(&F.cio);
		close(F.cfd);
		F.cfd = -1;
		return;
	}
	F.in_len += (size_t)n;
	char *nul;
	while ((nul = memchr(F.in, '\0', F.in_len))) {
		size_t len = (size_t)(nul - F.in) + 1;
		answer(F.in);
		memmove(F.in, F.in + len, F.in_len - len);
		F.in_len -= len;
	}
}

static void accepted(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	if (F.cfd >= 0) { /* the adapter has one change in flight at most */
		hs_io_stop(&F.cio);
		close(F.cfd);
	}
	F.cfd = c;
	F.in_len = 0;
	F.connections++;
	assert_int_equal(hs_io_start(&F.cio, &F.loop, c, EPOLLIN, conn_readable, NULL), 0);
}

static void told(void *arg, int cost)
{
	assert_true(F.n_told < 32);
	F.told[F.n_told++] = cost;
}

/* ---- a script of steps in one run of the loop (sd-event runs a loop once) ---- */

struct step {
	bool (*ready)(struct vgmpd_ospf *o);
	void (*then)(struct vgmpd_ospf *o);
};

static struct plan {
	const struct step *steps;
	size_t n, at;
	struct vgmpd_ospf *o;
	uint64_t since; /* when the current step began */
} P;

static void poll_steps(struct hs_timer *t, void *arg)
{
	while (P.at < P.n && P.steps[P.at].ready(P.o)) {
		P.steps[P.at].then(P.o);
		P.at++;
		P.since = hs_now_ms();
	}
	if (P.at == P.n)
		hs_loop_exit(&F.loop, 0);
	else
		hs_timer_arm_in(t, 2);
}

static void give_up(struct hs_timer *t, void *arg)
{
	hs_loop_exit(&F.loop, 1);
}

static void run_steps(struct vgmpd_ospf *o, const struct step *steps, size_t n)
{
	struct hs_timer poll, limit;
	P = (struct plan){ .steps = steps, .n = n, .o = o, .since = hs_now_ms() };
	hs_timer_init(&poll, &F.loop, poll_steps, NULL);
	hs_timer_init(&limit, &F.loop, give_up, NULL);
	hs_timer_arm_in(&poll, 0);
	hs_timer_arm_in(&limit, 3000);
	int r = hs_loop_run(&F.loop);
	hs_timer_free(&poll);
	hs_timer_free(&limit);
	if (r != 0)
		fail_msg("step %zu of %zu not reached within 3 s", P.at + 1, n);
}

static bool now(struct vgmpd_ospf *o)
{
	return true;
}

static bool settled(struct vgmpd_ospf *o)
{
	return !vgmpd_ospf_busy(o) && o->applied == o->wanted;
}

static bool reapplied(struct vgmpd_ospf *o)
{
	return o->reapplies > 0 && settled(o);
}

static bool checked_twice(struct vgmpd_ospf *o)
{
	return o->checks >= 2;
}

static bool four_check_periods(struct vgmpd_ospf *o)
{
	return hs_now_ms() >= P.since + 4 * VGMPD_OSPF_CHECK_MS;
}

static void set_cfg(struct hs_ospf_cost_config *c, bool enable, const char *a, const char *b)
{
	memset(c, 0, sizeof(*c));
	c->enable = enable;
	c->cost = 65500;
	snprintf(c->interfaces.item[0], HS_CFG_NAME_MAX, "%s", a);
	snprintf(c->interfaces.item[1], HS_CFG_NAME_MAX, "%s", b);
	c->interfaces.count = 2;
	snprintf(c->vtysh_socket, sizeof(c->vtysh_socket), "%s", F.dir);
}

static int setup(void **state)
{
	memset(&F, 0, sizeof(F));
	F.cfd = -1;
	snprintf(F.dir, sizeof(F.dir), "/tmp/test_vgmpd_ospf.XXXXXX");
	assert_non_null(mkdtemp(F.dir));
	assert_int_equal(hs_loop_init(&F.loop), 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/ospfd.vty", F.dir);
	F.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(F.lfd >= 0);
	assert_int_equal(bind(F.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(F.lfd, 4), 0);
	assert_int_equal(hs_io_start(&F.lio, &F.loop, F.lfd, EPOLLIN, accepted, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	if (F.cfd >= 0) {
		hs_io_stop(&F.cio);
		close(F.cfd);
	}
	hs_io_stop(&F.lio);
	close(F.lfd);
	char path[128];
	snprintf(path, sizeof(path), "%s/ospfd.vty", F.dir);
	unlink(path);
	rmdir(F.dir);
	hs_loop_free(&F.loop);
	return 0;
}

/* Applied, told; ospfd restarted without it: the check finds it, counts it, tells -1 and
 * applies it again. */
static void t1_want(struct vgmpd_ospf *o)
{
	vgmpd_ospf_want(o, 65500);
}

static void t1_applied(struct vgmpd_ospf *o)
{
	assert_int_equal(*cost_of("lan0"), 65500);
	assert_int_equal(*cost_of("lan1"), 65500);
	assert_int_equal(F.n_told, 1);
	assert_int_equal(F.told[0], 65500);
}

static unsigned told_before;

static void t1_checked(struct vgmpd_ospf *o)
{
	/* Checks that find it there change nothing. */
	assert_int_equal(o->reapplies, 0);
	assert_int_equal(F.told[F.n_told - 1], 65500);
	/* ospfd restarts from frr.conf: lan1 lost it. */
	*cost_of("lan1") = 0;
	told_before = F.n_told;
}

static void t1_reapplied(struct vgmpd_ospf *o)
{
	assert_int_equal(o->reapplies, 1);
	assert_int_equal(*cost_of("lan1"), 65500);
	/* -1 told first (the peer must stop counting on it), then the cost again */
	bool unknown = false;
	for (unsigned i = told_before; i < F.n_told; i++)
		unknown = unknown || F.told[i] == -1;
	assert_true(unknown);
	assert_int_equal(F.told[F.n_told - 1], 65500);
}

static void test_check_reapplies_lost_cost(void **state)
{
	static const struct step steps[] = {
		{ now, t1_want },
		{ settled, t1_applied },
		{ checked_twice, t1_checked },
		{ reapplied, t1_reapplied },
	};
	struct hs_ospf_cost_config c;
	set_cfg(&c, true, "lan0", "lan1");
	struct vgmpd_ospf o;
	vgmpd_ospf_init(&o, &F.loop, &c, told, NULL);
	run_steps(&o, steps, sizeof(steps) / sizeof(steps[0]));
	vgmpd_ospf_free(&o);
}

/* A reload with a new interface list applies the cost to it; switched off, every level is the
 * interface's own cost (0), it goes to the configured interfaces, and nothing is checked. */
static struct hs_ospf_cost_config c2, next2, off2;
static unsigned long long checks_off;
static unsigned conns_off;

static void t2_reconfigure(struct vgmpd_ospf *o)
{
	vgmpd_ospf_reconfigure(o, &next2);
	assert_int_equal(o->applied, -1);
	assert_int_equal(F.told[F.n_told - 1], -1);
	vgmpd_ospf_want(o, vgmpd_ospf_cost_value(&next2, VGMP_COST_RAISED));
}

static void t2_switch_off(struct vgmpd_ospf *o)
{
	assert_int_equal(*cost_of("lan2"), 65500);
	/* The same interfaces again: nothing to re-apply. */
	vgmpd_ospf_reconfigure(o, &next2);
	assert_int_equal(o->applied, 65500);
	vgmpd_ospf_reconfigure(o, &off2);
	assert_int_equal(vgmpd_ospf_cost_value(&off2, VGMP_COST_RAISED), 0);
	assert_int_equal(vgmpd_ospf_cost_value(&off2, VGMP_COST_NORMAL), 0);
	assert_int_equal(vgmpd_ospf_cost_value(&off2, VGMP_COST_UNKNOWN), -1);
	vgmpd_ospf_want(o, 0);
}

static void t2_off(struct vgmpd_ospf *o)
{
	assert_int_equal(*cost_of("lan0"), 0);
	assert_int_equal(*cost_of("lan2"), 0);
	checks_off = o->checks;
	conns_off = F.connections;
}

static void t2_no_checks(struct vgmpd_ospf *o)
{
	assert_int_equal(o->checks, checks_off);
	assert_int_equal(F.connections, conns_off);
}

static void test_reconfigure(void **state)
{
	static const struct step steps[] = {
		{ now, t1_want },
		{ settled, t2_reconfigure },
		{ settled, t2_switch_off },
		{ settled, t2_off },
		{ four_check_periods, t2_no_checks },
	};
	set_cfg(&c2, true, "lan0", "lan1");
	set_cfg(&next2, true, "lan0", "lan2");
	set_cfg(&off2, false, "lan0", "lan2");
	struct vgmpd_ospf o;
	vgmpd_ospf_init(&o, &F.loop, &c2, told, NULL);
	run_steps(&o, steps, sizeof(steps) / sizeof(steps[0]));
	vgmpd_ospf_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_check_reapplies_lost_cost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconfigure, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The VRRP state machine: every state x event cell of the unbound (RFC 5798 6.4), owner and bound
 * (VGMP) tables with a recorder ops table that logs each action, then scenarios in time: timers,
 * v3 interval adoption, v2 interval mismatch, priority 0, preempt off / on / delay, tie-break,
 * split-brain healing between two simulated routers, bound groups. Receive checks, validation,
 * encoding and names: test_vrrp_checks.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "vrrp_rec.h"

struct cell_case {
	int binding;
	int prio_cfg; /* configured priority */
	enum vrrp_state from;
	enum vrrp_event ev;
	int adv_prio; /* VRRP_EV_ADVERT */
	const char *adv_src;
	int ret;
	enum vrrp_state to;
	const char *log;
	uint64_t adver_ms, master_down_ms; /* after the event; NOCHK: not checked */
	enum vrrp_drop drop;               /* counted by the cell */
};

#define EV_START VRRP_EV_STARTUP
#define EV_STOP  VRRP_EV_SHUTDOWN
#define EV_ADVT  VRRP_EV_ADVER_TIMER
#define EV_MDT   VRRP_EV_MASTER_DOWN_TIMER
#define EV_ADV   VRRP_EV_ADVERT
#define EV_RM    VRRP_EV_ROLE_MASTER
#define EV_RB    VRRP_EV_ROLE_BACKUP

/* Unbound, priority 100, interval 1 s: Master_Down_Interval 3.6 s, Skew_Time 0.6 s. Bound: backup
 * priority 253 (skew 0.01 s, MDI 3.01 s), master 254. From-states are reached at T0, the event
 * comes at T1 = T0 + 0.5 s: a Backup's timer is 13600 (unbound) / 13010 (bound), a Master's
 * 11000. */
static const struct cell_case cells[] = {
	/* Unbound Initialize */
	{ UNB, 100, S_INIT, EV_START, 0, 0, 0, S_BACK, "notify(Initialize->Backup,startup);", NEVER,
	  14100, 0 },
	{ UNB, 100, S_INIT, EV_STOP, 0, 0, 0, S_INIT, "", NEVER, NEVER, 0 },
	{ UNB, 100, S_INIT, EV_ADVT, 0, 0, 0, S_INIT, "", NEVER, NEVER, 0 },
	{ UNB, 100, S_INIT, EV_MDT, 0, 0, 0, S_INIT, "", NEVER, NEVER, 0 },
	{ UNB, 100, S_INIT, EV_ADV, 200, HIGHER, 0, S_INIT, "", NEVER, NEVER,
	  VRRP_DROP_NOT_RUNNING },
	{ UNB, 100, S_INIT, EV_RM, 0, 0, -EINVAL, S_INIT, "", NEVER, NEVER, 0 },
	{ UNB, 100, S_INIT, EV_RB, 0, 0, -EINVAL, S_INIT, "", NEVER, NEVER, 0 },
	/* Unbound Backup */
	{ UNB, 100, S_BACK, EV_START, 0, 0, 0, S_BACK, "", NEVER, 13600, 0 },
	{ UNB, 100, S_BACK, EV_STOP, 0, 0, 0, S_INIT, "notify(Backup->Initialize,shutdown);", NEVER,
	  NEVER, 0 },
	{ UNB, 100, S_BACK, EV_ADVT, 0, 0, 0, S_BACK, "", NEVER, 13600, 0 },
	{ UNB, 100, S_BACK, EV_MDT, 0, 0, 0, S_MAST,
	  "vips(up);advert(100);garp;notify(Backup->Master,master-down);", 11500, NEVER, 0 },
	{ UNB, 100, S_BACK, EV_ADV, 200, HIGHER, 0, S_BACK, "", NEVER, 14100, 0 },
	{ UNB, 100, S_BACK, EV_ADV, 100, LOWER, 0, S_BACK, "", NEVER, 14100,
	  0 }, /* equal: follow */
	{ UNB, 100, S_BACK, EV_ADV, 99, HIGHER, 0, S_BACK, "", NEVER, 13600,
	  0 }, /* preempt: discard */
	{ UNB, 100, S_BACK, EV_ADV, 0, HIGHER, 0, S_BACK, "", NEVER, 11100, 0 }, /* skew time */
	{ UNB, 100, S_BACK, EV_RM, 0, 0, -EINVAL, S_BACK, "", NEVER, 13600, 0 },
	{ UNB, 100, S_BACK, EV_RB, 0, 0, -EINVAL, S_BACK, "", NEVER, 13600, 0 },
	/* Unbound Master */
	{ UNB, 100, S_MAST, EV_START, 0, 0, 0, S_MAST, "", 11000, NEVER, 0 },
	{ UNB, 100, S_MAST, EV_STOP, 0, 0, 0, S_INIT,
	  "advert(0);vips(down);notify(Master->Initialize,shutdown);", NEVER, NEVER, 0 },
	{ UNB, 100, S_MAST, EV_ADVT, 0, 0, 0, S_MAST, "advert(100);", 11500, NEVER, 0 },
	{ UNB, 100, S_MAST, EV_MDT, 0, 0, 0, S_MAST, "", 11000, NEVER, 0 },
	{ UNB, 100, S_MAST, EV_ADV, 200, LOWER, 0, S_BACK,
	  "vips(down);notify(Master->Backup,higher-priority);", NEVER, 14100, 0 },
	{ UNB, 100, S_MAST, EV_ADV, 100, HIGHER, 0, S_BACK,
	  "vips(down);notify(Master->Backup,equal-priority-higher-address);", NEVER, 14100, 0 },
	{ UNB, 100, S_MAST, EV_ADV, 100, LOWER, 0, S_MAST, "advert(100);garp;", 11500, NEVER, 0 },
	{ UNB, 100, S_MAST, EV_ADV, 50, HIGHER, 0, S_MAST, "advert(100);garp;", 11500, NEVER, 0 },
	{ UNB, 100, S_MAST, EV_ADV, 0, HIGHER, 0, S_MAST, "advert(100);", 11500, NEVER, 0 },
	{ UNB, 100, S_MAST, EV_RM, 0, 0, -EINVAL, S_MAST, "", 11000, NEVER, 0 },
	{ UNB, 100, S_MAST, EV_RB, 0, 0, -EINVAL, S_MAST, "", 11000, NEVER, 0 },
	/* Owner (255): straight to Master, never leaves it on an advert */
	{ UNB, 255, S_INIT, EV_START, 0, 0, 0, S_MAST,
	  "vips(up);advert(255);garp;notify(Initialize->Master,address-owner);", 11500, NEVER, 0 },
	{ UNB, 255, S_MAST, EV_ADV, 255, HIGHER, 0, S_MAST, "", 11000, NEVER,
	  VRRP_DROP_OWNER_CONFLICT },
	{ UNB, 255, S_MAST, EV_ADV, 254, HIGHER, 0, S_MAST, "advert(255);garp;", 11500, NEVER, 0 },
	{ UNB, 255, S_MAST, EV_ADV, 0, HIGHER, 0, S_MAST, "advert(255);", 11500, NEVER, 0 },
	{ UNB, 255, S_MAST, EV_STOP, 0, 0, 0, S_INIT,
	  "advert(0);vips(down);notify(Master->Initialize,shutdown);", NEVER, NEVER, 0 },
	/* Bound Initialize: the role is kept for startup */
	{ BOUND, 100, S_INIT, EV_START, 0, 0, 0, S_BACK, "notify(Initialize->Backup,startup);",
	  NEVER, 13510, 0 },
	{ BOUND, 100, S_INIT, EV_STOP, 0, 0, 0, S_INIT, "", NEVER, NEVER, 0 },
	{ BOUND, 100, S_INIT, EV_ADVT, 0, 0, 0, S_INIT, "", NEVER, NEVER, 0 },
	{ BOUND, 100, S_INIT, EV_MDT, 0, 0, 0, S_INIT, "", NEVER, NEVER, 0 },
	{ BOUND, 100, S_INIT, EV_ADV, 200, HIGHER, 0, S_INIT, "", NEVER, NEVER,
	  VRRP_DROP_NOT_RUNNING },
	{ BOUND, 100, S_INIT, EV_RM, 0, 0, 0, S_INIT, "", NEVER, NEVER, 0 },
	{ BOUND, 100, S_INIT, EV_RB, 0, 0, 0, S_INIT, "", NEVER, NEVER, 0 },
	/* Bound Backup: reports, follows, never takes over on its own */
	{ BOUND, 100, S_BACK, EV_START, 0, 0, 0, S_BACK, "", NEVER, 13010, 0 },
	{ BOUND, 100, S_BACK, EV_STOP, 0, 0, 0, S_INIT, "notify(Backup->Initialize,shutdown);",
	  NEVER, NEVER, 0 },
	{ BOUND, 100, S_BACK, EV_ADVT, 0, 0, 0, S_BACK, "", NEVER, 13010, 0 },
	{ BOUND, 100, S_BACK, EV_MDT, 0, 0, 0, S_BACK, "vgmp(master-down);", NEVER, 13510, 0 },
	/* the master's first advert in Backup is reported (the peer advertises) */
	{ BOUND, 100, S_BACK, EV_ADV, 254, HIGHER, 0, S_BACK, "vgmp(master-heard);", NEVER, 13510,
	  0 },
	{ BOUND, 100, S_BACK, EV_ADV, 50, LOWER, 0, S_BACK, "vgmp(master-heard);", NEVER, 13510,
	  0 }, /* no preempt */
	{ BOUND, 100, S_BACK, EV_ADV, 0, HIGHER, 0, S_BACK, "", NEVER, 10510, 0 },
	{ BOUND, 100, S_BACK, EV_RM, 0, 0, 0, S_MAST,
	  "vips(up);advert(254);garp;notify(Backup->Master,vgmp);", 11500, NEVER, 0 },
	{ BOUND, 100, S_BACK, EV_RB, 0, 0, 0, S_BACK, "", NEVER, 13010, 0 },
	/* Bound Master: advertises 254, reports other masters, steps down only when told */
	{ BOUND, 100, S_MAST, EV_START, 0, 0, 0, S_MAST, "", 11000, NEVER, 0 },
	{ BOUND, 100, S_MAST, EV_STOP, 0, 0, 0, S_INIT,
	  "advert(0);vips(down);notify(Master->Initialize,shutdown);", NEVER, NEVER, 0 },
	{ BOUND, 100, S_MAST, EV_ADVT, 0, 0, 0, S_MAST, "advert(254);", 11500, NEVER, 0 },
	{ BOUND, 100, S_MAST, EV_MDT, 0, 0, 0, S_MAST, "", 11000, NEVER, 0 },
	{ BOUND, 100, S_MAST, EV_ADV, 255, LOWER, 0, S_MAST, "vgmp(higher-priority-master);", 11000,
	  NEVER, 0 },
	{ BOUND, 100, S_MAST, EV_ADV, 254, HIGHER, 0, S_MAST, "vgmp(higher-priority-master);",
	  11000, NEVER, 0 },
	{ BOUND, 100, S_MAST, EV_ADV, 254, LOWER, 0, S_MAST,
	  "advert(254);garp;vgmp(lower-priority-master);", 11500, NEVER, 0 },
	{ BOUND, 200, S_MAST, EV_ADV, 100, HIGHER, 0, S_MAST,
	  "advert(254);garp;vgmp(lower-priority-master);", 11500, NEVER, 0 },
	{ BOUND, 100, S_MAST, EV_ADV, 0, HIGHER, 0, S_MAST, "advert(254);", 11500, NEVER, 0 },
	{ BOUND, 100, S_MAST, EV_RM, 0, 0, 0, S_MAST, "", 11000, NEVER, 0 },
	{ BOUND, 100, S_MAST, EV_RB, 0, 0, 0, S_BACK,
	  "advert(0);vips(down);notify(Master->Backup,vgmp);", NEVER, 13510, 0 },
};

static void test_every_cell(void **state)
{
	bool seen[2][VRRP_STATE_MAX][VRRP_EV_MAX] = { { { false } } };
	for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		const struct cell_case *c = &cells[i];
		struct vrrp_fsm f;
		struct vrrp_params p = params(c->prio_cfg, c->binding);
		fsm_new(&f, &p);
		reach(&f, c->from);
		uint64_t transitions = f.counters.transitions;

		struct vrrp_advert a = advert_from(&f, c->adv_prio, 100);
		struct hs_addr src = addr(c->adv_src ? c->adv_src : HIGHER);
		int r = vrrp_fsm_event(&f, c->ev, c->ev == EV_ADV ? &a : NULL,
				       c->ev == EV_ADV ? &src : NULL, VRRP_REASON_VGMP, T1);
		char where[160];
		snprintf(where, sizeof(where), "cell %zu: %s %s %s prio %d", i,
			 c->binding ? "bound" : "unbound", vrrp_state_name(c->from),
			 vrrp_event_name(c->ev), c->adv_prio);
		if (r != c->ret || f.state != c->to || strcmp(rec, c->log) != 0)
			fail_msg("%s: ret %d state %s log \"%s\"; want %d %s \"%s\"", where, r,
				 vrrp_state_name(f.state), rec, c->ret, vrrp_state_name(c->to),
				 c->log);
		if ((c->adver_ms != NOCHK && f.t.adver_ms != c->adver_ms) ||
		    (c->master_down_ms != NOCHK && f.t.master_down_ms != c->master_down_ms))
			fail_msg("%s: timers adver %llu master-down %llu", where,
				 (unsigned long long)f.t.adver_ms,
				 (unsigned long long)f.t.master_down_ms);
		/* Exactly one notify per change, counted. */
		assert_int_equal(notifies, c->to != c->from);
		assert_int_equal(f.counters.transitions, transitions + (c->to != c->from));
		for (int d = 1; d < VRRP_DROP_MAX; d++)
			assert_int_equal(f.counters.drops[d], d == (int)c->drop);
		seen[c->binding != UNB][c->from][c->ev] = true;
	}
	/* The table above covers every state x event of both tables. */
	for (int b = 0; b < 2; b++)
		for (int s = 0; s < VRRP_STATE_MAX; s++)
			for (int e = 0; e < VRRP_EV_MAX; e++)
				if (!seen[b][s][e])
					fail_msg("%s %s x %s not tested", b ? "bound" : "unbound",
						 vrrp_state_name(s), vrrp_event_name(e));
}

static void test_event_errors(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_params p = params(100, UNB);
	fsm_new(&f, &p);
	struct vrrp_advert a = advert_from(&f, 100, 100);
	struct hs_addr src = addr(HIGHER);
	assert_int_equal(vrrp_fsm_event(NULL, EV_START, NULL, NULL, 0, T0), -EINVAL);
	assert_int_equal(vrrp_fsm_event(&f, VRRP_EV_MAX, NULL, NULL, 0, T0), -EINVAL);
	assert_int_equal(vrrp_fsm_event(&f, VRRP_EV_INVALID, NULL, NULL, 0, T0), -EINVAL);
	assert_int_equal(vrrp_fsm_event(&f, EV_ADV, NULL, &src, 0, T0), -EINVAL);
	assert_int_equal(vrrp_fsm_event(&f, EV_ADV, &a, NULL, 0, T0), -EINVAL);
	assert_int_equal(vrrp_fsm_event(&f, EV_START, NULL, NULL, VRRP_REASON_MAX, T0), -EINVAL);
	assert_int_equal(vrrp_fsm_event(&f, EV_START, NULL, NULL, VRRP_REASON_INVALID, T0),
			 -EINVAL);
	assert_int_equal(vrrp_fsm_timer(NULL, T0), -EINVAL);
	assert_int_equal(f.state, S_INIT);
	assert_string_equal(rec, "");
	f.state = VRRP_STATE_MAX; /* corrupt: refused, not indexed */
	assert_int_equal(vrrp_fsm_event(&f, EV_START, NULL, NULL, 0, T0), -EINVAL);
	f.state = VRRP_STATE_INVALID;
	assert_int_equal(vrrp_fsm_event(&f, EV_START, NULL, NULL, 0, T0), -EINVAL);
}

/* ---- arithmetic ---- */

static void test_skew_and_master_down(void **state)
{
	assert_int_equal(vrrp_skew_cs(3, 100, 100), 60); /* 156 * 100 / 256 = 60.9 */
	assert_int_equal(vrrp_master_down_cs(3, 100, 100), 360);
	assert_int_equal(vrrp_skew_cs(3, 254, 1), 0);
	assert_int_equal(vrrp_master_down_cs(3, 254, 1), 3);
	assert_int_equal(vrrp_skew_cs(3, 1, 4095), 4079);
	assert_int_equal(vrrp_master_down_cs(3, 1, 4095), 3 * 4095 + 4079);
	assert_int_equal(vrrp_skew_cs(3, 200, 300), 65);
	/* v2: (256 - priority) / 256 s whatever the interval. */
	assert_int_equal(vrrp_skew_cs(2, 100, 100), 60);
	assert_int_equal(vrrp_skew_cs(2, 100, 300), 60);
	assert_int_equal(vrrp_master_down_cs(2, 100, 300), 960);
	assert_int_equal(vrrp_skew_cs(2, 255, 100), 0);
}

/* ---- scenarios in time ---- */

static void test_v3_backup_adopts_master_interval(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_params p = params(100, UNB);
	fsm_new(&f, &p);
	assert_int_equal(vrrp_fsm_startup(&f, 0), 0);
	assert_int_equal(f.t.master_down_ms, 3600);

	struct vrrp_advert a = advert_from(&f, 200, 50);
	struct hs_addr src = addr(HIGHER);
	assert_int_equal(vrrp_fsm_input(&f, &a, &src, 1000), VRRP_DROP_NONE);
	assert_int_equal(f.master_adver_interval_cs, 50);
	assert_int_equal(f.t.master_down_ms, 1000 + (150 + 30) * 10); /* skew 156 * 50 / 256 */
	assert_true(hs_addr_equal(&f.master_addr, &src));
	assert_int_equal(f.master_priority, 200);

	a = advert_from(&f, 200, 4095);
	assert_int_equal(vrrp_fsm_input(&f, &a, &src, 2000), VRRP_DROP_NONE);
	assert_int_equal(f.t.master_down_ms, 2000 + (3 * 4095 + 2495) * 10);

	/* Master again: it advertises its own interval, not the adopted one. */
	assert_int_equal(vrrp_fsm_timer(&f, f.t.master_down_ms), 0);
	assert_int_equal(f.state, S_MAST);
	uint64_t became = 2000 + (3 * 4095 + 2495) * 10;
	assert_int_equal(f.t.adver_ms, became + 1000);
	struct vrrp_advert mine;
	assert_int_equal(vrrp_fsm_build_advert(&f, 100, &mine), 0);
	assert_int_equal(mine.interval_cs, 100);
}

static void test_v2_interval_mismatch(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_params p = params(100, UNB);
	p.version = 2;
	p.interval_cs = 300;
	fsm_new(&f, &p);
	assert_int_equal(vrrp_fsm_startup(&f, 0), 0);
	assert_int_equal(f.t.master_down_ms, 9600); /* 3 * 3 s + (256 - 100) / 256 s */

	struct vrrp_advert a = advert_from(&f, 200, 100);
	struct hs_addr src = addr(HIGHER);
	assert_int_equal(vrrp_fsm_input(&f, &a, &src, 1000), VRRP_DROP_INTERVAL_MISMATCH);
	assert_int_equal(f.counters.drops[VRRP_DROP_INTERVAL_MISMATCH], 1);
	assert_int_equal(f.t.master_down_ms, 9600); /* untouched */
	assert_int_equal(f.master_adver_interval_cs, 300);
	a.interval_cs = 300;
	assert_int_equal(vrrp_fsm_input(&f, &a, &src, 2000), VRRP_DROP_NONE);
	assert_int_equal(f.t.master_down_ms, 2000 + 9600);
	assert_int_equal(f.counters.rx_adverts, 1);

	/* The same advert for a v3 group is fine: only v2 checks the interval. */
	struct vrrp_fsm g;
	struct vrrp_params q = params(100, UNB);
	fsm_new(&g, &q);
	assert_int_equal(vrrp_fsm_startup(&g, 0), 0);
	struct vrrp_advert b = advert_from(&g, 200, 300);
	assert_int_equal(vrrp_fsm_input(&g, &b, &src, 1000), VRRP_DROP_NONE);
	/* A v3 advert for a v2 group: version mismatch. */
	assert_int_equal(vrrp_fsm_input(&f, &b, &src, 1000), VRRP_DROP_VERSION_MISMATCH);
}

static void test_priority_zero_then_skew(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_params p = params(200, UNB);
	fsm_new(&f, &p);
	assert_int_equal(vrrp_fsm_startup(&f, 0), 0);
	assert_int_equal(hear(&f, 250, HIGHER, 1000), VRRP_DROP_NONE);
	assert_int_equal(hear(&f, 0, HIGHER, 1500), VRRP_DROP_NONE);
	assert_int_equal(f.counters.rx_prio0, 1);
	assert_int_equal(f.t.master_down_ms, 1500 + 210); /* 56 * 100 / 256 = 21 cs */
	assert_int_equal(vrrp_fsm_next_deadline(&f), 1710);
	rec_clear();
	assert_int_equal(vrrp_fsm_timer(&f, 1709), 0); /* not yet */
	assert_string_equal(rec, "");
	assert_int_equal(vrrp_fsm_timer(&f, 1710), 0);
	assert_string_equal(rec,
			    "vips(up);advert(200);garp;notify(Backup->Master,master-resigned);");
	assert_int_equal(f.counters.became_master, 1);
	assert_int_equal(f.counters.tx, 1);
}

/* An advert-less link: the backup takes over after Master_Down_Interval, then advertises on its
 * timer; the daemon's single timer follows vrrp_fsm_next_deadline(). */
static void test_timer_loop(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_params p = params(100, UNB);
	fsm_new(&f, &p);
	assert_int_equal(vrrp_fsm_next_deadline(&f), NEVER);
	assert_int_equal(vrrp_fsm_timer(&f, 123456), 0); /* nothing armed: nothing happens */
	assert_string_equal(rec, "");
	assert_int_equal(vrrp_fsm_startup(&f, 0), 0);
	rec_clear();
	uint64_t now = 0;
	for (int i = 0; i < 4; i++) {
		now = vrrp_fsm_next_deadline(&f);
		assert_int_equal(vrrp_fsm_timer(&f, now), 0);
	}
	assert_int_equal(now, 3600 + 3 * 1000);
	assert_string_equal(rec, "vips(up);advert(100);garp;notify(Backup->Master,master-down);"
				 "advert(100);advert(100);advert(100);");
	/* A late wake-up fires once and re-arms from now. */
	assert_int_equal(vrrp_fsm_timer(&f, now + 5000), 0);
	assert_int_equal(f.t.adver_ms, now + 6000);
	assert_int_equal(f.counters.tx, 5);
}

/* A Master_Down_Timer that fires an interval late was this process's stall (a freeze, a paused
 * VM), not the master's silence: the backup listens again; a timer only a little late still
 * takes over. Bound groups report master-down only after the fresh interval too. */
static void test_stall_listens_again(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_params p = params(100, UNB); /* 1 s adverts: Master_Down 3.6 s */
	fsm_new(&f, &p);
	assert_int_equal(vrrp_fsm_startup(&f, 0), 0);
	assert_int_equal(f.state, S_BACK);
	rec_clear();
	uint64_t due = f.t.master_down_ms;
	assert_int_equal(due, 3600);
	/* woken 10 s after the deadline (SIGSTOP, then SIGCONT) */
	assert_int_equal(vrrp_fsm_timer(&f, due + 10000), 0);
	assert_int_equal(f.state, S_BACK);
	assert_string_equal(rec, "");
	assert_int_equal(f.counters.stalls, 1);
	assert_int_equal(vrrp_fsm_next_deadline(&f), due + 10000 + 3600);
	/* a master's advert in the fresh interval keeps us backup */
	assert_int_equal(hear(&f, 100, HIGHER, due + 10050), VRRP_DROP_NONE);
	assert_int_equal(f.state, S_BACK);
	/* silence for the whole fresh interval, on time: take over */
	uint64_t again = vrrp_fsm_next_deadline(&f);
	assert_int_equal(vrrp_fsm_timer(&f, again + 5), 0);
	assert_int_equal(f.state, S_MAST);
	assert_int_equal(f.counters.stalls, 1);

	/* late by less than the interval (a loaded machine): no stall, master at once */
	struct vrrp_fsm g;
	fsm_new(&g, &p);
	vrrp_fsm_startup(&g, 0);
	assert_int_equal(vrrp_fsm_timer(&g, g.t.master_down_ms + 3000), 0);
	assert_int_equal(g.state, S_MAST);
	assert_int_equal(g.counters.stalls, 0);

	/* 10 ms adverts (Master_Down 36 ms): the floor is VRRP_STALL_MIN_MS, not one interval */
	struct vrrp_params fast = params(100, UNB);
	fast.interval_cs = 1;
	struct vrrp_fsm h;
	fsm_new(&h, &fast);
	vrrp_fsm_startup(&h, 0);
	assert_int_equal(vrrp_fsm_timer(&h, h.t.master_down_ms + 100), 0);
	assert_int_equal(h.state, S_MAST); /* 100 ms late: load, not a stall */
	fsm_new(&h, &fast);
	vrrp_fsm_startup(&h, 0);
	assert_int_equal(vrrp_fsm_timer(&h, h.t.master_down_ms + VRRP_STALL_MIN_MS), 0);
	assert_int_equal(h.state, S_BACK);
	assert_int_equal(h.counters.stalls, 1);

	/* bound: master-down is reported to vgmpd only after the fresh interval */
	struct vrrp_params b = params(200, BOUND);
	fsm_new(&g, &b);
	vrrp_fsm_startup(&g, 0);
	rec_clear();
	vrrp_fsm_timer(&g, g.t.master_down_ms + 60000);
	assert_string_equal(rec, "");
	assert_int_equal(g.counters.stalls, 1);
	vrrp_fsm_timer(&g, vrrp_fsm_next_deadline(&g));
	assert_string_equal(rec, "vgmp(master-down);");
}

static void test_preempt_off(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_params p = params(200, UNB);
	p.preempt = false;
	fsm_new(&f, &p);
	assert_int_equal(vrrp_fsm_startup(&f, 0), 0);
	for (uint64_t t = 1000; t <= 20000; t += 1000) {
		assert_int_equal(hear(&f, 100, LOWER, t), VRRP_DROP_NONE);
		vrrp_fsm_timer(&f, t + 999);
		assert_int_equal(f.state, S_BACK);
	}
	assert_int_equal(f.counters.preempt_discards, 0);
	/* The lower master dies: now we take over, for that reason. */
	rec_clear();
	vrrp_fsm_timer(&f, 20000 + 3210);
	assert_string_equal(rec, "vips(up);advert(200);garp;notify(Backup->Master,master-down);");
}

static void test_preempt_on(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_params p = params(200, UNB);
	fsm_new(&f, &p);
	assert_int_equal(vrrp_fsm_startup(&f, 0), 0);
	assert_int_equal(f.t.master_down_ms, 3210); /* 300 + 56 * 100 / 256 */
	for (uint64_t t = 1000; t <= 3000; t += 1000)
		assert_int_equal(hear(&f, 100, LOWER, t), VRRP_DROP_NONE);
	assert_int_equal(f.counters.preempt_discards, 3);
	assert_int_equal(f.t.master_down_ms, 3210);
	rec_clear();
	vrrp_fsm_timer(&f, 3210);
	assert_string_equal(rec, "vips(up);advert(200);garp;notify(Backup->Master,preempt);");
	/* The old master hears us and steps down (its side is the unbound Master x advert cell). */
}

static void test_preempt_delay(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_params p = params(200, UNB);
	p.preempt_delay_ms = 5000;
	fsm_new(&f, &p);
	assert_int_equal(vrrp_fsm_startup(&f, 0), 0);
	assert_int_equal(f.t.preempt_ms, NEVER);
	for (uint64_t t = 1000; t <= 5000; t += 1000) {
		assert_int_equal(hear(&f, 100, LOWER, t), VRRP_DROP_NONE);
		assert_int_equal(f.t.preempt_ms, 6000); /* from the first lower advert */
		assert_int_equal(f.t.master_down_ms, t + 3210);
	}
	assert_int_equal(f.counters.preempt_held, 5);
	assert_int_equal(f.counters.preempt_discards, 0);
	/* The delay has passed: discard, and Master_Down_Timer (armed at 5000) preempts. */
	assert_int_equal(hear(&f, 100, LOWER, 6000), VRRP_DROP_NONE);
	assert_int_equal(hear(&f, 100, LOWER, 7000), VRRP_DROP_NONE);
	assert_int_equal(f.counters.preempt_discards, 2);
	assert_int_equal(f.t.master_down_ms, 8210);
	rec_clear();
	vrrp_fsm_timer(&f, 8210);
	assert_string_equal(rec, "vips(up);advert(200);garp;notify(Backup->Master,preempt);");
	assert_int_equal(f.t.preempt_ms, NEVER);

	/* A master of our priority or higher clears a pending delay; the next lower one restarts
	 * it. */
	fsm_new(&f, &p);
	assert_int_equal(vrrp_fsm_startup(&f, 0), 0);
	assert_int_equal(hear(&f, 100, LOWER, 1000), VRRP_DROP_NONE);
	assert_int_equal(f.t.preempt_ms, 6000);
	assert_int_equal(hear(&f, 200, HIGHER, 2000), VRRP_DROP_NONE);
	assert_int_equal(f.t.preempt_ms, NEVER);
	assert_int_equal(hear(&f, 100, LOWER, 3000), VRRP_DROP_NONE);
	assert_int_equal(f.t.preempt_ms, 8000);
	/* The delay never keeps a dead master: silence after 3000 means master-down at 6210. */
	rec_clear();
	vrrp_fsm_timer(&f, 6210);
	assert_string_equal(rec, "vips(up);advert(200);garp;notify(Backup->Master,master-down);");
	/* The preempt deadline is informational: never the daemon's timer. */
	assert_int_equal(vrrp_fsm_next_deadline(&f), f.t.adver_ms);
}

static void test_tie_break(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_params p = params(100, UNB);
	fsm_new(&f, &p);
	reach(&f, S_MAST);
	assert_int_equal(hear(&f, 100, LOWER, T1), VRRP_DROP_NONE);
	assert_int_equal(f.state, S_MAST);
	assert_int_equal(hear(&f, 100, HIGHER, T1 + 1), VRRP_DROP_NONE);
	assert_int_equal(f.state, S_BACK);
	struct hs_addr higher = addr(HIGHER);
	assert_true(hs_addr_equal(&f.master_addr, &higher));

	/* IPv6: link-local addresses compared the same way. */
	p = params(100, UNB);
	p.family = AF_INET6;
	p.primary = addr("fe80::2");
	p.vips[0] = addr("2001:db8::1");
	fsm_new(&f, &p);
	reach(&f, S_MAST);
	assert_int_equal(hear(&f, 100, "fe80::1", T1), VRRP_DROP_NONE);
	assert_int_equal(f.state, S_MAST);
	assert_int_equal(hear(&f, 100, "fe80::1:0", T1 + 1), VRRP_DROP_NONE);
	assert_int_equal(f.state, S_BACK);

	/* Our address unknown: we lose every tie. */
	p = params(100, UNB);
	fsm_new(&f, &p);
	reach(&f, S_MAST);
	struct hs_addr none = { 0 };
	assert_int_equal(vrrp_fsm_set_primary(&f, &none), 0);
	assert_int_equal(hear(&f, 100, "0.0.0.1", T1), VRRP_DROP_NONE);
	assert_int_equal(f.state, S_BACK);
}

static void test_split_brain_heal_throttled(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_params p = params(200, UNB);
	fsm_new(&f, &p);
	reach(&f, S_MAST);
	assert_int_equal(hear(&f, 100, LOWER, T1), VRRP_DROP_NONE);
	assert_string_equal(rec, "advert(200);garp;");
	assert_int_equal(f.t.adver_ms, T1 + 1000);
	rec_clear();
	assert_int_equal(hear(&f, 100, LOWER, T1 + 500), VRRP_DROP_NONE); /* one per interval */
	assert_string_equal(rec, "");
	assert_int_equal(f.counters.split_brain_throttled, 1);
	assert_int_equal(hear(&f, 100, LOWER, T1 + 1000), VRRP_DROP_NONE);
	assert_string_equal(rec, "advert(200);garp;");
	assert_int_equal(f.counters.split_brain_heals, 2);
}

/* ---- two routers on a simulated wire: packets go through the encoder and the decoder ---- */

struct router {
	const char *name;
	struct vrrp_fsm f;
	struct router *peer;
	bool link_up;
	uint8_t out[8][64]; /* sent, not yet delivered */
	size_t out_len[8], n_out;
	unsigned garps, adverts;
};

static void w_send(struct vrrp_fsm *f, uint8_t prio)
{
	struct router *r = f->ctx;
	struct hs_addr mcast = addr(VRRP_MCAST_V4);
	assert_true(r->n_out < 8);
	int n = vrrp_fsm_encode_advert(f, prio, &mcast, r->out[r->n_out], sizeof(r->out[0]));
	assert_true(n > 0);
	r->out_len[r->n_out++] = (size_t)n;
	r->adverts++;
}

static void w_vips(struct vrrp_fsm *f, bool up)
{
}

static void w_announce(struct vrrp_fsm *f)
{
	((struct router *)f->ctx)->garps++;
}

static void w_notify(struct vrrp_fsm *f, enum vrrp_state from, enum vrrp_state to,
		     enum vrrp_reason why)
{
	logf_("%s:%s->%s(%s)", ((struct router *)f->ctx)->name, vrrp_state_name(from),
	      vrrp_state_name(to), vrrp_reason_name(why));
}

static const struct vrrp_fsm_ops wire_ops = {
	.send_advert = w_send,
	.set_vips = w_vips,
	.announce = w_announce,
	.notify = w_notify,
	.report_to_vgmp = r_report,
	.addr_mismatch = r_mismatch,
};

/* Delivers queued packets both ways (dropped while the link is down) until none are left. */
static void wire_flush(struct router *a, struct router *b, uint64_t now)
{
	for (int rounds = 0; rounds < 10 && (a->n_out || b->n_out); rounds++) {
		struct router *rs[2] = { a, b };
		for (int i = 0; i < 2; i++) {
			struct router *from = rs[i], *to = from->peer;
			size_t n = from->n_out;
			uint8_t pkts[8][64];
			size_t lens[8];
			memcpy(pkts, from->out, sizeof(pkts));
			memcpy(lens, from->out_len, sizeof(lens));
			from->n_out = 0;
			for (size_t k = 0; k < n && from->link_up && to->link_up; k++) {
				struct vrrp_ipinfo ip = { .src = from->f.p.primary,
							  .dst = addr(VRRP_MCAST_V4),
							  .ttl = 255 };
				enum vrrp_drop d =
					vrrp_fsm_receive(&to->f, pkts[k], lens[k], &ip, now);
				/* A router in Initialize (shut down) does not listen. */
				assert_int_equal(d, to->f.state == S_INIT ? VRRP_DROP_NOT_RUNNING
									  : VRRP_DROP_NONE);
			}
		}
	}
}

/* Runs both routers' timers and the wire from now to until, millisecond by millisecond. */
static void wire_run(struct router *a, struct router *b, uint64_t from, uint64_t until)
{
	for (uint64_t t = from; t <= until; t++) {
		if (vrrp_fsm_next_deadline(&a->f) <= t)
			vrrp_fsm_timer(&a->f, t);
		if (vrrp_fsm_next_deadline(&b->f) <= t)
			vrrp_fsm_timer(&b->f, t);
		wire_flush(a, b, t);
	}
}

static void router_new(struct router *r, const char *name, int prio, const char *primary,
		       struct router *peer)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->peer = peer;
	r->link_up = true;
	struct vrrp_params p = params(prio, UNB);
	p.primary = addr(primary);
	assert_int_equal(vrrp_fsm_init(&r->f, &p, &wire_ops, r), 0);
}

static void test_two_routers_split_brain_heals(void **state)
{
	static struct router hi, lo;
	router_new(&hi, "hi", 200, "192.0.2.1", &lo);
	router_new(&lo, "lo", 100, "192.0.2.2", &hi);
	rec_clear();

	/* Normal election: hi is master after its Master_Down_Interval, lo stays backup. */
	vrrp_fsm_startup(&hi.f, 0);
	vrrp_fsm_startup(&lo.f, 0);
	wire_run(&hi, &lo, 0, 5000);
	assert_string_equal(rec, "hi:Initialize->Backup(startup);lo:Initialize->Backup(startup);"
				 "hi:Backup->Master(master-down);");
	assert_int_equal(lo.f.state, S_BACK);

	/* The link splits: lo takes over too (split brain). */
	hi.link_up = false;
	rec_clear();
	wire_run(&hi, &lo, 5001, 12000);
	assert_string_equal(rec, "lo:Backup->Master(master-down);");

	/* It heals: the first advert either way ends it, and hi re-announces at once. */
	hi.link_up = true;
	rec_clear();
	unsigned garps = hi.garps;
	uint64_t t = 12001;
	while (lo.f.state == S_MAST && t < 14000) {
		wire_run(&hi, &lo, t, t);
		t++;
	}
	assert_string_equal(rec, "lo:Master->Backup(higher-priority);");
	/* If lo spoke first, hi answered with an advert and gratuitous ARP in the same ms. */
	if (hi.f.counters.split_brain_heals)
		assert_int_equal(hi.garps, garps + 1);
	assert_int_equal(hi.f.state, S_MAST);

	/* hi shuts down: lo takes over after Skew_Time (0.6 s), not Master_Down_Interval. */
	wire_run(&hi, &lo, t, 20000);
	rec_clear();
	vrrp_fsm_shutdown(&hi.f, 20000);
	wire_flush(&hi, &lo, 20000);
	wire_run(&hi, &lo, 20001, 20600);
	assert_string_equal(rec, "hi:Master->Initialize(shutdown);"
				 "lo:Backup->Master(master-resigned);");
	assert_int_equal(lo.f.counters.became_master, 2);

	/* lo's interface goes down (vrrpd's watch): the same leave, under its own reason. */
	hi.link_up = false;
	rec_clear();
	unsigned prio0 = lo.f.counters.tx_prio0;
	vrrp_fsm_shutdown_for_interface(&lo.f, 20700);
	assert_string_equal(rec, "lo:Master->Initialize(interface);");
	assert_int_equal(lo.f.counters.tx_prio0, prio0 + 1);
	assert_int_equal(vrrp_fsm_next_deadline(&lo.f), VRRP_NEVER);
}

/* The healing case the notes describe: the surviving master hears the thawed, lower one first. */
static void test_two_routers_heal_is_immediate(void **state)
{
	static struct router hi, lo;
	router_new(&hi, "hi", 200, "192.0.2.1", &lo);
	router_new(&lo, "lo", 100, "192.0.2.2", &hi);
	/* Both masters, isolated; hi's next advert is far away, lo's is due now. */
	hi.link_up = lo.link_up = false;
	vrrp_fsm_startup(&hi.f, 0);
	vrrp_fsm_startup(&lo.f, 0);
	wire_run(&hi, &lo, 0, 4000);
	assert_int_equal(hi.f.state, S_MAST);
	assert_int_equal(lo.f.state, S_MAST);
	hi.link_up = lo.link_up = true;
	hi.f.t.adver_ms = 9000; /* as if hi had just advertised */
	unsigned garps = hi.garps, adverts = hi.adverts;
	uint64_t lo_next = lo.f.t.adver_ms;
	rec_clear();
	wire_run(&hi, &lo, 4001, lo_next);
	assert_int_equal(hi.f.counters.split_brain_heals, 1);
	assert_int_equal(hi.garps, garps + 1);
	assert_int_equal(hi.adverts, adverts + 1);
	assert_int_equal(hi.f.t.adver_ms, lo_next + 1000); /* re-armed from the heal */
	assert_string_equal(rec, "lo:Master->Backup(higher-priority);");
}

/* ---- bound groups in time ---- */

static void test_bound_group(void **state)
{
	struct vrrp_fsm f;
	struct vrrp_params p = params(200, BOUND);
	fsm_new(&f, &p);
	assert_false(vrrp_fsm_is_bound(&(struct vrrp_fsm){ .p = params(100, UNB) }));
	assert_true(vrrp_fsm_is_bound(&f));

	/* vgmpd's role before startup is kept for it. */
	assert_int_equal(vrrp_fsm_set_role(&f, VRRP_ROLE_MASTER, VRRP_REASON_VGMP, 0), 0);
	assert_int_equal(f.state, S_INIT);
	assert_int_equal(vrrp_fsm_startup(&f, 0), 0);
	assert_string_equal(rec, "vips(up);advert(254);garp;notify(Initialize->Master,startup);");
	assert_int_equal(vrrp_fsm_priority(&f), VRRP_PRIO_BOUND_MASTER);

	/* A master keeps advertising on its timer; master-down never applies. */
	rec_clear();
	for (int i = 0; i < 3; i++)
		vrrp_fsm_timer(&f, vrrp_fsm_next_deadline(&f));
	assert_string_equal(rec, "advert(254);advert(254);advert(254);");
	assert_int_equal(f.t.master_down_ms, NEVER);

	/* Another master outranks us: reported (once per interval), no step down. */
	rec_clear();
	assert_int_equal(hear(&f, 254, HIGHER, 4000), VRRP_DROP_NONE);
	assert_int_equal(hear(&f, 254, HIGHER, 4500), VRRP_DROP_NONE);
	assert_int_equal(hear(&f, 254, HIGHER, 5000), VRRP_DROP_NONE);
	assert_string_equal(rec, "vgmp(higher-priority-master);vgmp(higher-priority-master);");
	assert_int_equal(f.state, S_MAST);
	assert_int_equal(f.counters.vgmp_reports, 2);

	/* vgmpd says backup: resign with priority 0. */
	rec_clear();
	assert_int_equal(vrrp_fsm_set_role(&f, VRRP_ROLE_BACKUP, VRRP_REASON_VGMP, 5000), 0);
	assert_string_equal(rec, "advert(0);vips(down);notify(Master->Backup,vgmp);");
	assert_int_equal(vrrp_fsm_priority(&f), VRRP_PRIO_BOUND_BACKUP);
	assert_int_equal(f.t.master_down_ms, 5000 + 3010);

	/* A lower master than our configured 200 is followed: no preemption when bound. Its
	 * first advert is reported (the peer advertises), the next ones are not. */
	rec_clear();
	assert_int_equal(hear(&f, 100, LOWER, 6000), VRRP_DROP_NONE);
	assert_int_equal(f.state, S_BACK);
	assert_int_equal(f.t.master_down_ms, 6000 + 3010);
	assert_string_equal(rec, "vgmp(master-heard);");
	rec_clear();
	assert_int_equal(hear(&f, 100, LOWER, 7000), VRRP_DROP_NONE);
	assert_int_equal(hear(&f, 100, LOWER, 7100), VRRP_DROP_NONE);
	assert_string_equal(rec, "");
	assert_int_equal(f.t.master_down_ms, 7100 + 3010);

	/* Silence: master-down is reported at each Master_Down_Interval, the state stays. */
	vrrp_fsm_timer(&f, 10110);
	vrrp_fsm_timer(&f, 13120);
	assert_string_equal(rec, "vgmp(master-down);vgmp(master-down);");
	assert_int_equal(f.state, S_BACK);
	assert_int_equal(f.t.master_down_ms, 13120 + 3010);
	/* The master is back: heard again, once; a priority-0 advert is no sign of life. */
	rec_clear();
	assert_int_equal(hear(&f, 0, LOWER, 14000), VRRP_DROP_NONE);
	assert_string_equal(rec, "");
	assert_int_equal(hear(&f, 100, LOWER, 14100), VRRP_DROP_NONE);
	assert_int_equal(hear(&f, 100, LOWER, 14200), VRRP_DROP_NONE);
	assert_string_equal(rec, "vgmp(master-heard);");

	/* Repeated role: nothing happens, but the next advert is reported again (vgmpd gives the
	 * role at each connect: one that started afresh must learn the master is heard). */
	rec_clear();
	assert_int_equal(vrrp_fsm_set_role(&f, VRRP_ROLE_BACKUP, VRRP_REASON_VGMP, 14000), 0);
	assert_string_equal(rec, "");
	assert_int_equal(hear(&f, 100, LOWER, 15200), VRRP_DROP_NONE);
	assert_string_equal(rec, "vgmp(master-heard);");
	/* Bad requests. */
	assert_int_equal(vrrp_fsm_set_role(&f, VRRP_ROLE_MAX, VRRP_REASON_VGMP, 0), -EINVAL);
	assert_int_equal(vrrp_fsm_set_role(&f, VRRP_ROLE_INVALID, VRRP_REASON_VGMP, 0), -EINVAL);
	assert_int_equal(vrrp_fsm_set_role(&f, VRRP_ROLE_MASTER, VRRP_REASON_MAX, 0), -EINVAL);
	assert_int_equal(vrrp_fsm_set_role(&f, VRRP_ROLE_MASTER, VRRP_REASON_INVALID, 0), -EINVAL);
	assert_int_equal(vrrp_fsm_set_role(NULL, VRRP_ROLE_MASTER, VRRP_REASON_VGMP, 0), -EINVAL);
	assert_int_equal(f.state, S_BACK);

	struct vrrp_fsm u;
	struct vrrp_params q = params(100, UNB);
	fsm_new(&u, &q);
	assert_int_equal(vrrp_fsm_set_role(&u, VRRP_ROLE_MASTER, VRRP_REASON_VGMP, 0), -EINVAL);

	/* The standby binding behaves the same: which role maps to which box is vgmpd's. */
	q = params(100, HS_BIND_STANDBY);
	fsm_new(&u, &q);
	assert_int_equal(vrrp_fsm_startup(&u, 0), 0);
	assert_int_equal(vrrp_fsm_set_role(&u, VRRP_ROLE_MASTER, VRRP_REASON_VGMP, 1), 0);
	assert_int_equal(u.state, S_MAST);
}

/* ---- receive checks ---- */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_cell),
		cmocka_unit_test(test_event_errors),
		cmocka_unit_test(test_skew_and_master_down),
		cmocka_unit_test(test_v3_backup_adopts_master_interval),
		cmocka_unit_test(test_v2_interval_mismatch),
		cmocka_unit_test(test_priority_zero_then_skew),
		cmocka_unit_test(test_timer_loop),
		cmocka_unit_test(test_stall_listens_again),
		cmocka_unit_test(test_preempt_off),
		cmocka_unit_test(test_preempt_on),
		cmocka_unit_test(test_preempt_delay),
		cmocka_unit_test(test_tie_break),
		cmocka_unit_test(test_split_brain_heal_throttled),
		cmocka_unit_test(test_two_routers_split_brain_heals),
		cmocka_unit_test(test_two_routers_heal_is_immediate),
		cmocka_unit_test(test_bound_group),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

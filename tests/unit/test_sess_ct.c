/* hrpd's ctnetlink sockets (hrpd/sess_ct.c, built into the test) against the kernel's conntrack,
 * in a network namespace of the test's own (skipped where none can be made):
 *  - an entry read again (hrpd_ct_read: the source does so for a NAT helper's sequence
 *    adjustment, of which the kernel sends no event) is read while a table dump runs, and the
 *    dump still brings every entry: the read once shared the dump's socket and was refused
 *    (-EBUSY) while a bulk's or a check's dump ran, and the adjustment was lost;
 *  - error answers lost to an overrun of the request socket (ENOBUFS) are reported with the
 *    ranges of every request of their batch (ops->writes_lost), so that the caller can have
 *    those ranges sent again: which of the requests the kernel refused is unknown. */

#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sess_ct.c"
#include "sess_ct_conv.c"
#include "sess_entry.h"

#define ENTRIES 3

struct rec {
	struct hs_loop *loop;
	unsigned dump_entries, dumps_done, writes_lost_calls;
	bool dump_ok;
	bool seen[ENTRIES];
	unsigned errors[HRPD_CT_ERR_MAX];
	uint64_t lost_ranges;
};

/* An established TCP entry 192.0.2.1:(40000 + i) -> 198.51.100.7:443, without NAT. */
static struct hs_sess entry(unsigned i)
{
	return test_tcp4_entry((uint16_t)(40000 + i));
}

static void on_event(void *arg, const struct hs_sess *s)
{
	(void)arg;
	(void)s;
}

static void on_dump_entry(void *arg, const struct hs_sess *s)
{
	struct rec *r = arg;
	r->dump_entries++;
	unsigned i = (unsigned)s->orig.sport - 40000u;
	if (s->orig.dport == 443 && i < ENTRIES)
		r->seen[i] = true;
}

static void on_dump_done(void *arg, bool ok)
{
	struct rec *r = arg;
	r->dumps_done++;
	r->dump_ok = ok;
	hs_loop_exit(r->loop, 0);
}

static void on_apply_error(void *arg, enum hrpd_ct_apply_err e, int err)
{
	struct rec *r = arg;
	(void)err;
	r->errors[e]++;
}

static void on_writes_lost(void *arg, uint64_t ranges, int err)
{
	struct rec *r = arg;
	assert_int_equal(err, ENOBUFS);
	r->writes_lost_calls++;
	r->lost_ranges |= ranges;
}

static const struct hrpd_ct_ops rec_ops = {
	.event = on_event,
	.dump_entry = on_dump_entry,
	.dump_done = on_dump_done,
	.apply_error = on_apply_error,
	.writes_lost = on_writes_lost,
};

struct fixture {
	struct hs_loop loop;
	struct hs_timer timeout;
	struct rec rec;
	struct hrpd_ct *ct;
};

static void timed_out(struct hs_timer *t, void *arg)
{
	(void)t;
	hs_loop_exit(arg, 1);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(hs_loop_init(&f->loop), 0);
	hs_timer_init(&f->timeout, &f->loop, timed_out, &f->loop);
	f->rec.loop = &f->loop;
	f->ct = hrpd_ct_open(&f->loop, &rec_ops, &f->rec, 1 << 20, 0);
	assert_non_null(f->ct);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	hrpd_ct_close(f->ct);
	hs_timer_free(&f->timeout);
	hs_loop_free(&f->loop);
	free(f);
	/* the namespace is the test's: nothing of it outlives the process */
	return 0;
}

/* Creates the entries in the namespace's table; every create is answered with success. */
static void create_entries(struct fixture *f)
{
	for (unsigned i = 0; i < ENTRIES; i++) {
		struct hs_sess s = entry(i);
		assert_int_equal(hrpd_ct_apply(f->ct, &s, 300, false, false), 0);
	}
	hrpd_ct_flush(f->ct);
	for (int e = 0; e < HRPD_CT_ERR_MAX; e++)
		assert_int_equal(f->rec.errors[e], 0);
}

static void a_read_during_a_dump_gets_the_entry(void **state)
{
	struct fixture *f = *state;
	create_entries(f);
	assert_int_equal(hrpd_ct_dump_start(f->ct), 0);
	assert_true(hrpd_ct_dump_running(f->ct));
	/* The dump has not been read yet: the kernel holds its walk open. */
	struct hs_sess key = entry(1), out;
	memset(&out, 0, sizeof(out));
	assert_int_equal(hrpd_ct_read(f->ct, &key, &out), 0);
	assert_int_equal(out.op, HS_SESS_UPDATE);
	assert_int_equal(out.family, AF_INET);
	assert_int_equal(out.l4proto, IPPROTO_TCP);
	assert_memory_equal(out.orig.src, key.orig.src, 4);
	assert_memory_equal(out.orig.dst, key.orig.dst, 4);
	assert_int_equal(out.orig.sport, 40001);
	assert_int_equal(out.orig.dport, 443);
	assert_int_equal(out.proto_state, 3);
	/* ... and the dump goes on, whole. */
	hs_timer_arm_in(&f->timeout, 5000);
	assert_int_equal(hs_loop_run(&f->loop), 0);
	assert_int_equal(f->rec.dumps_done, 1);
	assert_true(f->rec.dump_ok);
	for (unsigned i = 0; i < ENTRIES; i++)
		assert_true(f->rec.seen[i]);
	/* A read after the dump, and one of an entry the table lacks. */
	assert_int_equal(hrpd_ct_read(f->ct, &key, &out), 0);
	struct hs_sess none = entry(7);
	assert_int_equal(hrpd_ct_read(f->ct, &none, &out), -ENOENT);
}

static void lost_answers_report_the_ranges_of_their_batch(void **state)
{
	struct fixture *f = *state;
	struct hs_fdset fds;
	hs_fdset_init(&fds);
	assert_int_equal(hrpd_ct_hot_fds(f->ct, &fds), 0);
	int req = hs_fdset_take(&fds, "ct-requests");
	assert_true(req >= 0);
	/* The smallest buffer the kernel gives (SOCK_MIN_RCVBUF): a few answers fill it. */
	int tiny = 0;
	assert_int_equal(setsockopt(req, SOL_SOCKET, SO_RCVBUFFORCE, &tiny, sizeof(tiny)), 0);
	/* Destroys of entries the table lacks: each is answered "no such entry". */
	uint64_t want = 0;
	for (unsigned i = 0; i < 200; i++) {
		struct hs_sess s = entry(100 + i);
		s.op = HS_SESS_DESTROY;
		want |= 1ull << hs_sess_range(&s);
		assert_int_equal(hrpd_ct_apply(f->ct, &s, 0, false, false), 0);
	}
	hrpd_ct_flush(f->ct);
	const struct hrpd_ct_stats *st = hrpd_ct_stats(f->ct);
	assert_true(st->apply_errors[HRPD_CT_ERR_LOST] >= 1);
	/* The answers that came are counted; the lost ones are reported once, with every range
	 * of the batch. */
	assert_true(f->rec.errors[HRPD_CT_ERR_NOENT] < 200);
	assert_int_equal(f->rec.errors[HRPD_CT_ERR_LOST], 0);
	assert_int_equal(f->rec.writes_lost_calls, 1);
	assert_true(f->rec.lost_ranges == want);
	assert_true(__builtin_popcountll(want) > 32);
	/* A batch whose answers all come reports nothing. */
	int big = 4 * 1024 * 1024;
	assert_int_equal(setsockopt(req, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)), 0);
	struct hs_sess s = entry(999);
	s.op = HS_SESS_DESTROY;
	assert_int_equal(hrpd_ct_apply(f->ct, &s, 0, false, false), 0);
	hrpd_ct_flush(f->ct);
	assert_int_equal(f->rec.writes_lost_calls, 1);
}

int main(void)
{
	/* Never in the host's table: a namespace of our own, made with a user namespace when not
	 * root; where neither can be made, or it has no conntrack netlink, the test is skipped. */
	if (unshare(CLONE_NEWNET) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
		fprintf(stderr, "no network namespace of our own: skipped\n");
		return 77;
	}
	struct hs_loop loop;
	if (hs_loop_init(&loop) < 0)
		return 77;
	struct hrpd_ct *probe = hrpd_ct_open(&loop, &rec_ops, NULL, 1 << 20, 0);
	if (!probe) {
		fprintf(stderr, "no conntrack netlink here: skipped\n");
		hs_loop_free(&loop);
		return 77;
	}
	hrpd_ct_close(probe);
	hs_loop_free(&loop);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_read_during_a_dump_gets_the_entry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(lost_answers_report_the_ranges_of_their_batch,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

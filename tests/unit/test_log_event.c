/* Structured log records (lib/log_event.c): the human text, the key=value pairs of a plain log
 * line (quoting), the journal's fields, and the line a daemon writes when stderr is not the
 * journal stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "log_event.h"

static const struct hs_event failover = {
	.event = "vgmp-state",
	.old_state = "active",
	.new_state = "standby",
	.reason = "lower priority",
	.local_priority = 44998,
	.peer_priority = 45000,
};

static void test_message(void **state)
{
	char buf[256];
	hs_event_message(buf, sizeof(buf), "[vgmp]", &failover);
	assert_string_equal(buf, "[vgmp] active -> standby (lower priority), priority 44998, "
				 "peer 45000");
	struct hs_event e = failover;
	e.peer_priority = HS_EVENT_NO_PRIORITY;
	hs_event_message(buf, sizeof(buf), NULL, &e);
	assert_string_equal(buf, "active -> standby (lower priority), priority 44998");
	e.local_priority = HS_EVENT_NO_PRIORITY;
	hs_event_message(buf, sizeof(buf), NULL, &e);
	assert_string_equal(buf, "active -> standby (lower priority)");
}

static void test_pairs(void **state)
{
	char buf[512];
	int n = hs_event_pairs(buf, sizeof(buf), &failover);
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf, "event=vgmp-state old_state=active new_state=standby "
				 "reason=\"lower priority\" local_priority=44998 "
				 "peer_priority=45000");
	struct hs_event e = {
		.event = "vrrp-state",
		.old_state = "master",
		.new_state = "backup",
		.reason = "say \"hi\" \\ now",
		.local_priority = HS_EVENT_NO_PRIORITY,
		.peer_priority = 200,
		.extra = { { "interface", "lan0" }, { "vrid", "1" }, { "empty", "" } },
	};
	hs_event_pairs(buf, sizeof(buf), &e);
	assert_string_equal(buf, "event=vrrp-state old_state=master new_state=backup "
				 "reason=\"say \\\"hi\\\" \\\\ now\" peer_priority=200 "
				 "interface=lan0 vrid=1 empty=\"\"");
	/* a short buffer is cut, and the length says what it would take */
	char small[16];
	n = hs_event_pairs(small, sizeof(small), &failover);
	assert_true(n > (int)sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

static void test_journal_fields(void **state)
{
	char buf[512];
	struct hs_event e = failover;
	e.extra[0] = (struct hs_event_field){ "interface", "lan0" };
	int n = hs_event_journal_fields(buf, sizeof(buf), &e);
	assert_int_equal(n, 7);
	const char *want[] = { "HS_EVENT=vgmp-state",     "HS_OLD_STATE=active",
			       "HS_NEW_STATE=standby",    "HS_REASON=lower priority",
			       "HS_LOCAL_PRIORITY=44998", "HS_PEER_PRIORITY=45000",
			       "HS_INTERFACE=lan0" };
	const char *f = buf;
	for (int i = 0; i < n; i++, f += strlen(f) + 1)
		assert_string_equal(f, want[i]);
	assert_int_equal(hs_event_journal_fields(buf, 40, &e), -1);
}

/* Not under journald: one line on stderr with the human text and the pairs. */
static void test_plain_line(void **state)
{
	char path[] = "/tmp/test_log_event.XXXXXX", line[1024] = "";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	/* inherited from a unit that logged to the journal, but stderr went elsewhere */
	setenv("JOURNAL_STREAM", "1:2", 1);
	hs_log_open("testd", false);
	hs_event(LOG_NOTICE, "[vgmp]", &failover);
	hs_event(LOG_DEBUG, "[vgmp]", &failover); /* below the level: nothing */
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	FILE *in = fdopen(fd, "r");
	rewind(in);
	assert_non_null(fgets(line, sizeof(line), in));
	assert_non_null(strstr(line, " notice testd: [vgmp] active -> standby (lower priority), "
				     "priority 44998, peer 45000 event=vgmp-state "
				     "old_state=active new_state=standby reason=\"lower priority\" "
				     "local_priority=44998 peer_priority=45000\n"));
	assert_null(fgets(line, sizeof(line), in));
	fclose(in);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_journal_fields),
		cmocka_unit_test(test_plain_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

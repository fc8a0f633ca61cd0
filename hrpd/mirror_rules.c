/* The mirror session's place in the kernel (mirror.h): a chain of hrpd's own in the mangle table
 * that queues the packets to hold, written with iptables-nft-restore (one transaction per
 * family), and the TCP liberal sysctl.
 *
 * Why xtables and not an nftables table of our own: the NFQUEUE target exists in kernels built
 * without nft's queue expression (CONFIG_NFT_QUEUE), and this one is such a kernel; iptables-nft
 * writes it through nft_compat into the same nftables ruleset.
 *
 * Where: mangle POSTROUTING (priority -150): every forward filter has accepted the packet (a flow
 * the policy drops is never mirrored) and source NAT has not yet rewritten it (so its headers
 * are the connection's original tuple); before the conntrack confirmation, so nothing of the
 * flow has left the box. Which packets are held, and why, is lib/sess_mirror_rules.c's (pure,
 * unit-tested): forwarded ones, not NATed, that create an entry, a SYN that meets an older
 * entry of its tuple, and SYN-ACKs. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "mirror.h"
#include "sess_mirror.h"

#define LIBERAL_PATH "/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal"

extern char **environ;

/* Runs argv0 --noflush with input on stdin; 0, or -EIO with the first line of its stderr. */
static int restore(const char *argv0, const char *input, char *why, size_t whylen)
{
	int in[2], err[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return -errno;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, err[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	/* none of ours: a library's socket (libnftables') is not close-on-exec */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	char *argv[] = { (char *)argv0, "--noflush", NULL };
	pid_t pid;
	int r = posix_spawnp(&pid, argv0, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(err[1]);
	if (r) {
		close(in[1]);
		close(err[0]);
		snprintf(why, whylen, "%s: %s", argv0, strerror(r));
		return -r;
	}
	size_t n = strlen(input);
	/* Small input: it fits the pipe, the write does not wait for the reader. */
	if (write(in[1], input, n) != (ssize_t)n)
		r = -EIO;
	close(in[1]);
	char buf[512];
	ssize_t got = read(err[0], buf, sizeof(buf) - 1);
	close(err[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || r) {
		buf[got > 0 ? got : 0] = '\0';
		snprintf(why, whylen, "%s: %.*s", argv0, (int)strcspn(buf, "\n"), buf);
		return -EIO;
	}
	return 0;
}

static const char *const tools[2] = { "iptables-nft-restore", "ip6tables-nft-restore" };

static int del_family(int v6, char *why, size_t whylen)
{
	return restore(tools[v6],
		       "*mangle\n"
		       "-D POSTROUTING -j " HRPD_MIRROR_CHAIN "\n"
		       "-F " HRPD_MIRROR_CHAIN "\n"
		       "-X " HRPD_MIRROR_CHAIN "\n"
		       "COMMIT\n",
		       why, whylen);
}

static int add_family(int v6, uint16_t queue, char *why, size_t whylen)
{
	char rules[2048];
	if (hs_mirror_rules(rules, sizeof(rules), v6, queue, HRPD_MIRROR_CHAIN) < 0) {
		snprintf(why, whylen, "the rules do not fit in %zu bytes", sizeof(rules));
		return -ENOSPC;
	}
	return restore(tools[v6], rules, why, whylen);
}

int hrpd_mirror_rules_add(uint16_t queue, char *why, size_t whylen)
{
	char ignored[64];
	for (int v6 = 0; v6 < 2; v6++) {
		del_family(v6, ignored, sizeof(ignored)); /* a chain a killed hrpd left */
		int r = add_family(v6, queue, why, whylen);
		if (r < 0) {
			if (v6)
				del_family(0, ignored, sizeof(ignored));
			return r;
		}
	}
	return 0;
}

int hrpd_mirror_rules_del(char *why, size_t whylen)
{
	int r4 = del_family(0, why, whylen);
	int r6 = del_family(1, why, whylen);
	return r4 < 0 ? r4 : r6;
}

int hrpd_mirror_liberal(int value)
{
	int old = -1;
	FILE *f = fopen(LIBERAL_PATH, "re");
	if (f) {
		if (fscanf(f, "%d", &old) != 1)
			old = -1;
		fclose(f);
	}
	if (value < 0 || value == old)
		return old;
	f = fopen(LIBERAL_PATH, "we");
	if (!f)
		return old;
	fprintf(f, "%d\n", value);
	fclose(f);
	return old;
}

/* Accept mode through nftables (see accept.h). */
#include "accept.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

extern char **environ;

/* Runs `nft -f -` with script on its stdin; returns its exit status or -errno. */
static int run_nft(const char *script)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], 0);
	char *argv[] = { "nft", "-f", "-", NULL };
	pid_t pid;
	posix_spawn_file_actions_addclosefrom_np(&fa, 3); /* none of ours */
	int r = posix_spawnp(&pid, "nft", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[0]);
	if (r != 0) {
		close(p[1]);
		return -r;
	}
	size_t len = strlen(script);
	ssize_t n = write(p[1], script, len);
	close(p[1]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (n != (ssize_t)len)
		return -EIO;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}

static bool enforced(const struct hs_vrrp_group_config *g)
{
	return !g->accept && g->priority != 255;
}

/* ", 192.0.2.1" for every VIP of the family in a non-accept group. */
static void elements(const struct hs_vrrpd_config *cfg, int family, FILE *out)
{
	char buf[64];
	bool first = true;
	for (size_t i = 0; i < cfg->n_groups; i++) {
		const struct hs_vrrp_group_config *g = &cfg->groups[i];
		if (!enforced(g))
			continue;
		for (size_t j = 0; j < g->n_vips; j++) {
			if (g->vips[j].family != family)
				continue;
			fprintf(out, "%s%s", first ? " elements = { " : ", ",
				hs_addr_str(&g->vips[j], buf, sizeof(buf)));
			first = false;
		}
	}
	if (!first)
		fputs(" }", out);
}

int vrrpd_accept_apply(const struct hs_vrrpd_config *cfg)
{
	char *script = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&script, &len);
	if (!out)
		return -ENOMEM;
	fprintf(out, "table inet " VRRPD_NFT_TABLE "\ndelete table inet " VRRPD_NFT_TABLE "\n");
	fprintf(out, "table inet " VRRPD_NFT_TABLE " {\n  set noaccept4 { type ipv4_addr;");
	elements(cfg, AF_INET, out);
	fprintf(out, " }\n  set noaccept6 { type ipv6_addr;");
	elements(cfg, AF_INET6, out);
	fprintf(out, " }\n  chain input {\n    type filter hook input priority -5; policy accept;\n"
		     "    ip daddr @noaccept4 counter drop\n"
		     "    ip6 daddr @noaccept6 icmpv6 type { nd-neighbor-solicit, "
		     "nd-neighbor-advert } accept\n"
		     "    ip6 daddr @noaccept6 counter drop\n  }\n}\n");
	fclose(out);
	int r = run_nft(script);
	free(script);
	if (r != 0)
		hs_warn("[vrrp]", "accept mode not enforced: nft %s",
			r < 0 ? strerror(-r) : "refused the table");
	return r > 0 ? -EINVAL : r;
}

void vrrpd_accept_remove(void)
{
	run_nft("table inet " VRRPD_NFT_TABLE "\ndelete table inet " VRRPD_NFT_TABLE "\n");
}

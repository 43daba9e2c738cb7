/* hostinfo.c - host identification for the trace header. */
#include "hostinfo.h"

#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static char *cpu_model(void)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return strdup("unknown");
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "model name", 10)) {
			char *v = strchr(line, ':');
			fclose(f);
			if (!v)
				break;
			v += 1 + (v[1] == ' ');
			v[strcspn(v, "\n")] = 0;
			return strdup(v);
		}
	}
	if (f)
		fclose(f);
	return strdup("unknown");
}

int hostinfo_fill(struct trace_header *h)
{
	struct utsname u;
	uname(&u);
	h->sysname = strdup(u.sysname);
	h->release = strdup(u.release);
	h->kversion = strdup(u.version);
	h->machine = strdup(u.machine);
	h->cpu_model = cpu_model();
	static const uint32_t leaves[][2] = {
		{0, 0}, {1, 0}, {7, 0}, {7, 1}, {0xd, 0}, {0xd, 1},
		{0x80000000u, 0}, {0x80000001u, 0}, {0x80000007u, 0}, {0x80000008u, 0},
	};
	size_t n = sizeof leaves / sizeof leaves[0];
	h->cpuid = calloc(n, sizeof *h->cpuid);
	if (!h->sysname || !h->release || !h->kversion || !h->machine || !h->cpu_model || !h->cpuid)
		return -ENOMEM;
	h->ncpuid = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		struct trace_cpuid *c = &h->cpuid[i];
		c->leaf = leaves[i][0];
		c->subleaf = leaves[i][1];
		__cpuid_count(c->leaf, c->subleaf, c->eax, c->ebx, c->ecx, c->edx);
	}
	return 0;
}

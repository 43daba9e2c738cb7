// affinity: sched_getaffinity must report the CPUs the program may use
// unrecorded (not the one CPU rec pins it to). Prints "cpus match" when the
// CPU count equals the online CPU count from sysfs.
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

int main(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	int rc = sched_getaffinity(0, sizeof set, &set);
	int count = CPU_COUNT(&set);
	printf("sched_getaffinity -> %d CPU_COUNT %d cpus:", rc, count);
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			printf(" %d", i);
	printf("\n");
	unsigned long mask[16] = {0};
	long raw = syscall(SYS_sched_getaffinity, 0, sizeof mask, mask);
	printf("raw sched_getaffinity -> %ld mask %lx\n", raw, mask[0]);
	printf("get_nprocs %d get_nprocs_conf %d ONLN %ld CONF %ld\n", get_nprocs(), get_nprocs_conf(),
	       sysconf(_SC_NPROCESSORS_ONLN), sysconf(_SC_NPROCESSORS_CONF));
	printf("cpus %s\n", count == get_nprocs() ? "match" : "MISMATCH");
	unsigned cpu = 99, node = 99;
	rc = syscall(SYS_getcpu, &cpu, &node, NULL);
	printf("getcpu -> %d cpu %u node %u\n", rc, cpu, node);
	return 0;
}

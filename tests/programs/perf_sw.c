// perf_sw.c - a program that counts its own software events with
// perf_event_open (task clock, context switches, page faults), enables,
// resets and disables them with ioctls and reads them; a hardware
// breakpoint event is refused under rec (rec's debug registers; ENOENT, as
// a kernel without it says) and so is mapping a counter's page (ENODEV:
// the kernel updates it with no syscall): the program falls back to read.
// The counts differ from run to run; what replay reads back is what the
// recording read.
#include <errno.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_sw(uint64_t config)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof a;
	a.config = config;
	a.disabled = 1;
	a.exclude_kernel = 1;
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

int main(void)
{
	int fd[3] = {open_sw(PERF_COUNT_SW_TASK_CLOCK), open_sw(PERF_COUNT_SW_CONTEXT_SWITCHES),
		     open_sw(PERF_COUNT_SW_PAGE_FAULTS)};
	if (fd[0] < 0) {
		printf("perf_event_open: %s (not allowed here)\n", strerror(errno));
		return 0;
	}
	for (int i = 0; i < 3; i++) {
		ioctl(fd[i], PERF_EVENT_IOC_RESET, 0);
		ioctl(fd[i], PERF_EVENT_IOC_ENABLE, 0);
	}
	volatile char buf[1 << 20];
	for (int i = 0; i < (int)sizeof buf; i += 4096)
		buf[i] = (char)i;
	for (int i = 0; i < 3; i++)
		ioctl(fd[i], PERF_EVENT_IOC_DISABLE, 0);
	uint64_t v[3] = {0, 0, 0};
	for (int i = 0; i < 3; i++)
		if (fd[i] >= 0 && read(fd[i], &v[i], sizeof v[i]) != (ssize_t)sizeof v[i])
			return 1;
	printf("task clock %s, context switches %llu, page faults %s\n", v[0] > 0 ? "counted" : "zero",
	       (unsigned long long)v[1], v[2] > 0 ? "counted" : "zero");
	printf("raw: %llu %llu %llu\n", (unsigned long long)v[0], (unsigned long long)v[1], (unsigned long long)v[2]);
	void *pg = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd[0], 0);
	printf("mapping the counter: %s\n", pg == MAP_FAILED ? "refused" : "mapped");
	struct perf_event_attr b;
	memset(&b, 0, sizeof b);
	b.type = PERF_TYPE_BREAKPOINT;
	b.size = sizeof b;
	b.bp_type = HW_BREAKPOINT_X;
	b.bp_addr = (uintptr_t)main;
	b.bp_len = sizeof(long);
	int h = (int)syscall(SYS_perf_event_open, &b, 0, -1, -1, 0);
	printf("a hardware breakpoint event: %s\n", h >= 0 ? "opened" : "refused");
	return v[0] > 0 ? 0 : 1;
}

// proc_self: reads /proc/self/stat, status, maps, cmdline and /proc/uptime,
// /proc/loadavg; prints parts of them (their content is whatever the
// recording saw).
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	size_t got = 0;
	ssize_t n;
	while (got < size - 1 && (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += n;
	buf[got] = 0;
	close(fd);
	return (int)got;
}

int main(void)
{
	static char buf[65536];
	const char *files[] = { "/proc/self/stat", "/proc/uptime", "/proc/loadavg", "/proc/self/cmdline" };
	for (size_t i = 0; i < 4; i++) {
		int n = slurp(files[i], buf, 512);
		for (int j = 0; j < n; j++)
			if (buf[j] == 0) buf[j] = ' ';
		printf("%s (%d): %s%s", files[i], n, buf, n > 0 && buf[n - 1] == '\n' ? "" : "\n");
	}
	int n = slurp("/proc/self/status", buf, sizeof buf);
	printf("/proc/self/status %d bytes\n", n);
	char *l = strtok(buf, "\n");
	while (l) {
		if (!strncmp(l, "Pid:", 4) || !strncmp(l, "VmRSS:", 6) || !strncmp(l, "Cpus_allowed_list:", 18) ||
		    !strncmp(l, "TracerPid:", 10) || !strncmp(l, "voluntary_ctxt", 14))
			printf("  %s\n", l);
		l = strtok(NULL, "\n");
	}
	n = slurp("/proc/self/maps", buf, sizeof buf);
	int lines = 0;
	for (int i = 0; i < n; i++)
		lines += buf[i] == '\n';
	printf("/proc/self/maps %d bytes %d lines, first: %.*s\n", n, lines, (int)strcspn(buf, "\n"), buf);
	return 0;
}

// sysinfo: uname, sysinfo, getrlimit/setrlimit/prlimit, getrusage, times,
// sysconf.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <unistd.h>

static void lim(const char *name, int res)
{
	struct rlimit r;
	int rc = getrlimit(res, &r);
	printf("getrlimit %-7s -> %d cur %lld max %lld\n", name, rc, (long long)r.rlim_cur, (long long)r.rlim_max);
}

int main(void)
{
	struct utsname u;
	printf("uname -> %d\n", uname(&u));
	printf("sysname %s nodename %s release %s\nversion %s machine %s domain %s\n", u.sysname,
	       u.nodename, u.release, u.version, u.machine, u.domainname);
	struct sysinfo si;
	printf("sysinfo -> %d\n", sysinfo(&si));
	printf("uptime %ld loads %lu %lu %lu totalram %lu freeram %lu procs %u unit %u\n", si.uptime,
	       si.loads[0], si.loads[1], si.loads[2], si.totalram, si.freeram, si.procs, si.mem_unit);
	lim("NOFILE", RLIMIT_NOFILE);
	lim("STACK", RLIMIT_STACK);
	lim("AS", RLIMIT_AS);
	lim("CORE", RLIMIT_CORE);
	struct rlimit old, nw = { 0, 0 };
	int rc = prlimit(0, RLIMIT_CORE, NULL, &old);
	printf("prlimit get CORE -> %d cur %lld\n", rc, (long long)old.rlim_cur);
	rc = prlimit(0, RLIMIT_CORE, &nw, &old);
	printf("prlimit set CORE 0 -> %d old cur %lld\n", rc, (long long)old.rlim_cur);
	lim("CORE", RLIMIT_CORE);
	struct rlimit nf;
	getrlimit(RLIMIT_NOFILE, &nf);
	nf.rlim_cur = nf.rlim_cur > 256 ? 256 : nf.rlim_cur;
	printf("setrlimit NOFILE -> %d\n", setrlimit(RLIMIT_NOFILE, &nf));
	lim("NOFILE", RLIMIT_NOFILE);
	errno = 0;
	rc = getrlimit(9999, &old);
	printf("getrlimit bad -> %d errno %d\n", rc, errno);

	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < 3000000; i++)
		x += i;
	struct rusage ru;
	printf("getrusage -> %d\n", getrusage(RUSAGE_SELF, &ru));
	printf("utime %ld.%06ld stime %ld.%06ld maxrss %ld minflt %ld majflt %ld nvcsw %ld nivcsw %ld\n",
	       (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec, (long)ru.ru_stime.tv_sec,
	       (long)ru.ru_stime.tv_usec, ru.ru_maxrss, ru.ru_minflt, ru.ru_majflt, ru.ru_nvcsw, ru.ru_nivcsw);
	rc = getrusage(RUSAGE_CHILDREN, &ru);
	printf("getrusage children -> %d maxrss %ld\n", rc, ru.ru_maxrss);
	struct tms t;
	clock_t c = times(&t);
	printf("times -> %ld utime %ld stime %ld cutime %ld\n", (long)c, (long)t.tms_utime,
	       (long)t.tms_stime, (long)t.tms_cutime);
	printf("sysconf CLK_TCK %ld PAGESIZE %ld OPEN_MAX %ld PHYS_PAGES %ld\n", sysconf(_SC_CLK_TCK),
	       sysconf(_SC_PAGESIZE), sysconf(_SC_OPEN_MAX), sysconf(_SC_PHYS_PAGES));
	char host[256];
	printf("gethostname -> %d %s\n", gethostname(host, sizeof host), host);
	return 0;
}

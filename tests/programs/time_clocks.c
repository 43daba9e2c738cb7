// time_clocks: clock_gettime on several clocks, clock_getres, gettimeofday,
// time, nanosleep, clock_nanosleep (relative and absolute); prints the values.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static const struct { clockid_t id; const char *name; } clocks[] = {
	{ CLOCK_REALTIME, "REALTIME" }, { CLOCK_MONOTONIC, "MONOTONIC" },
	{ CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW" }, { CLOCK_BOOTTIME, "BOOTTIME" },
	{ CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME" }, { CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME" },
	{ CLOCK_REALTIME_COARSE, "REALTIME_COARSE" }, { CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE" },
	{ CLOCK_TAI, "TAI" },
};

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void)
{
	struct timespec t, r, a, b;
	for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
		int rc = clock_gettime(clocks[i].id, &t);
		int rr = clock_getres(clocks[i].id, &r);
		printf("%-17s %d %lld.%09ld res %d %ldns\n", clocks[i].name, rc, (long long)t.tv_sec,
		       t.tv_nsec, rr, r.tv_nsec);
	}
	struct timeval tv;
	gettimeofday(&tv, NULL);
	printf("gettimeofday %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
	time_t now = time(NULL);
	printf("time %lld\n", (long long)now);
	struct tm tm;
	gmtime_r(&now, &tm);
	char s[64];
	strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S", &tm);
	printf("utc %s\n", s);
	errno = 0;
	int rc = clock_gettime((clockid_t)12345, &t);
	printf("bad clock -> %d errno %d\n", rc, errno);

	clock_gettime(CLOCK_MONOTONIC, &a);
	struct timespec d = { 0, 3000000 }, rem = { 7, 7 };
	rc = nanosleep(&d, &rem);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("nanosleep 3ms -> %d rem %ld.%09ld slept %lldns (>= 3ms: %d)\n", rc, (long)rem.tv_sec,
	       rem.tv_nsec, ns(b) - ns(a), ns(b) - ns(a) >= 3000000);

	a = b;
	d = (struct timespec){ 0, 2000000 };
	rc = clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("clock_nanosleep rel 2ms -> %d slept %lldns\n", rc, ns(b) - ns(a));

	struct timespec until = b;
	until.tv_nsec += 1500000;
	if (until.tv_nsec >= 1000000000) { until.tv_sec++; until.tv_nsec -= 1000000000; }
	rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
	clock_gettime(CLOCK_MONOTONIC, &a);
	printf("clock_nanosleep abs -> %d now-until %lldns (late: %d)\n", rc, ns(a) - ns(until), ns(a) >= ns(until));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	printf("cpu time used %lld.%09ld\n", (long long)t.tv_sec, t.tv_nsec);
	return 0;
}

/* race_crash.c - a heisenbug in miniature (single-threaded for now).
 *
 * A client sends three requests and arms one timeout. Each reply arrives
 * after a latency drawn from getrandom(); the timeout's deadline moves with
 * the low bits of rdtsc. When a reply comes after the deadline, the timeout
 * handler has already freed the request, and the reply handler uses it
 * anyway: a NULL dereference, SIGSEGV. That happens in about one run out of
 * two, and never the same way twice, until the run is recorded. Its race
 * is with its inputs, not between threads: it fails as often under any
 * scheduler (rec --chaos included).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <x86intrin.h>

#define NREQ 3

struct request {
	int id;
	char *name;       /* freed by the timeout */
	unsigned latency; /* when its reply arrives, in microseconds */
};

static void on_timeout(struct request *r, unsigned now)
{
	printf("  t=%3u us  timeout: request %d gave up, its buffer freed\n", now, r->id);
	free(r->name);
	r->name = NULL; /* BUG: the reply can still arrive */
}

static void on_reply(struct request *r)
{
	/* Crashes when the timeout already ran: r->name is NULL. */
	size_t n = strlen(r->name);
	printf("  t=%3u us  reply to request %d (%s, %zu bytes)\n", r->latency, r->id, r->name, n);
}

int main(void)
{
	struct request req[NREQ];
	uint8_t rnd[NREQ];
	struct timespec now;
	setvbuf(stdout, NULL, _IOLBF, 0); /* lines survive the crash */

	if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
		return 2;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t tsc = __rdtsc();
	unsigned deadline = 70 + (unsigned)(tsc % 8);

	printf("started at %lld.%09ld, tsc %llu\n", (long long)now.tv_sec, now.tv_nsec, (unsigned long long)tsc);
	printf("%d requests, timeout after %u us\n", NREQ, deadline);
	for (int i = 0; i < NREQ; i++) {
		req[i].id = i;
		req[i].name = strdup(i == 0 ? "alpha" : i == 1 ? "bravo" : "charlie");
		req[i].latency = rnd[i] % 100;
	}
	/* Deliver the events in time order: replies, with the timeout among them. */
	int timed_out = 0;
	for (unsigned t = 0; t < 100; t++) {
		if (t == deadline) {
			for (int i = 0; i < NREQ; i++)
				if (req[i].latency > deadline) {
					on_timeout(&req[i], t);
					timed_out++;
				}
		}
		for (int i = 0; i < NREQ; i++)
			if (req[i].latency == t)
				on_reply(&req[i]);
	}
	printf("all %d replies handled%s\n", NREQ, timed_out ? "" : ", no timeout");
	for (int i = 0; i < NREQ; i++)
		free(req[i].name);
	return 0;
}

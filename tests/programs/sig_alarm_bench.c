// sig_alarm_bench: the loop of a benchmark (openssl speed): a one-shot
// SIGALRM (ITIMER_REAL, 30 ms) ends a loop calling the same function on the
// same buffer, so the registers repeat call after call and only memory (the
// call count, on the stack) moves on. Prints the count and the digest,
// which replay must reproduce, in time like the recording's.
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static volatile sig_atomic_t run = 1;
static void on_alarm(int sig) { (void)sig; run = 0; }

__attribute__((noinline)) static void digest(const uint8_t *buf, size_t n, uint64_t out[4])
{
	uint64_t h[4] = {0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull, 0xa54ff53a5f1d36f1ull};
	for (size_t i = 0; i < n; i++) {
		h[i & 3] = (h[i & 3] ^ buf[i]) * 0x100000001b3ull;
		h[(i + 1) & 3] += h[i & 3] >> 29;
	}
	memcpy(out, h, sizeof h);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	static uint8_t buf[64];
	for (int i = 0; i < 64; i++)
		buf[i] = (uint8_t)(i * 7);
	uint64_t out[4];
	struct itimerval it = {{0, 0}, {0, 30000}};
	setitimer(ITIMER_REAL, &it, NULL);
	volatile long count = 0; /* in memory, as the compiler keeps openssl's */
	while (run) {
		digest(buf, sizeof buf, out);
		count++;
	}
	printf("%ld calls, digest %016llx\n", count, (unsigned long long)out[0]);
	return 0;
}

// ticker [COUNT [MS]]: prints COUNT numbered lines (default 3), flushing
// each, sleeping MS milliseconds (default 10) between them.
// suite-isolation.sh kills rec while it records a long run of this.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 3, ms = argc > 2 ? atol(argv[2]) : 10;
	for (long i = 0; i < count; i++) {
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		printf("tick %ld at %lld.%09ld\n", i, (long long)t.tv_sec, t.tv_nsec);
		fflush(stdout);
		struct timespec d = { ms / 1000, (ms % 1000) * 1000000 };
		nanosleep(&d, NULL);
	}
	printf("done\n");
	return 0;
}

// getrandom: getrandom(2) with several flags, rand() seeded from it, and
// glibc's arc4random (which uses getrandom).
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static void hex(const char *what, const unsigned char *b, ssize_t n)
{
	printf("%s (%zd):", what, n);
	for (ssize_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

int main(void)
{
	unsigned char b[64];
	ssize_t n = getrandom(b, 16, 0);
	hex("getrandom 16", b, n);
	n = getrandom(b, 64, GRND_NONBLOCK);
	hex("getrandom 64 NONBLOCK", b, n);
	n = getrandom(b, 8, GRND_RANDOM | GRND_NONBLOCK);
	printf("GRND_RANDOM -> %zd\n", n);
	if (n > 0)
		hex("GRND_RANDOM", b, n);
	errno = 0;
	n = getrandom(b, 8, 0x1000);
	printf("bad flags -> %zd errno %d\n", n, errno);
	unsigned seed;
	if (getrandom(&seed, sizeof seed, 0) != sizeof seed)
		return 1;
	srand(seed);
	printf("seed %u rand", seed);
	for (int i = 0; i < 5; i++)
		printf(" %d", rand());
	printf("\n");
	printf("arc4random %08x %08x uniform(1000) %u\n", arc4random(), arc4random(), arc4random_uniform(1000));
	return 0;
}

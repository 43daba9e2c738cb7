// rdtsc: __rdtsc and __rdtscp values (rdtscp's TSC_AUX too) and deltas.
#include <stdio.h>
#include <x86intrin.h>

int main(void)
{
	unsigned long long t[8];
	for (int i = 0; i < 8; i++)
		t[i] = __rdtsc();
	for (int i = 0; i < 8; i++)
		printf("rdtsc %llu delta %lld\n", t[i], i ? (long long)(t[i] - t[i - 1]) : 0LL);
	unsigned aux = 0xdeadbeef;
	unsigned long long p = __rdtscp(&aux);
	printf("rdtscp %llu aux %u\n", p, aux);
	unsigned long long sum = 0, prev = __rdtsc(), back = 0;
	for (int i = 0; i < 2000; i++) {
		unsigned long long now = (i & 1) ? __rdtsc() : __rdtscp(&aux);
		if (now < prev)
			back++;
		sum += now - prev;
		prev = now;
	}
	printf("2000 reads: sum of deltas %llu, went backwards %llu times, last aux %u\n", sum, back, aux);
	return 0;
}

/* seed.c - a tiny static program without libc, recorded by seeds.sh to make
 * small fuzzing seeds: syscalls with output regions, a file mmap, rdtsc;
 * `seed crash` then dies of SIGSEGV, `seed sleep x` pauses so that the
 * trace gets several frames. */
typedef unsigned long u64;

static long sys(long nr, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

static char buf[512];

static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	long r;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return r;
}

void __attribute__((noreturn, used)) seed_main(long argc)
{
	unsigned lo, hi, aux;
	long ts[2] = {0, 250000000};
	sys(1, 1, (long)"seed\n", 5);                     /* write */
	if (argc > 2)
		sys(35, (long)ts, 0, 0);                  /* nanosleep */
	long fd = sys(257, -100, (long)"/proc/self/exe", 0); /* openat */
	if (fd >= 0) {
		sys6(9, 0, 4096, 1, 2, fd, 0);            /* mmap the program */
		sys(3, fd, 0, 0);                         /* close */
	}
	if (argc > 2)
		sys(35, (long)ts, 0, 0);
	sys(0, 0, (long)buf, 16);                         /* read stdin */
	sys(63, (long)buf, 0, 0);                         /* uname */
	sys(228, 1, (long)buf, 0);                        /* clock_gettime */
	sys(318, (long)buf, 8, 0);                        /* getrandom */
	sys(39, 0, 0, 0);                                 /* getpid */
	sys(257, -100, (long)"/nonexistent", 0);          /* openat: fails */
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	if (argc == 2)
		*(volatile int *)0 = (int)(lo ^ hi ^ aux); /* SIGSEGV */
	sys(231, (long)((lo ^ hi ^ aux) & 0), 0, 0);      /* exit_group(0) */
	for (;;)
		;
}

__asm__(".globl _start\n_start:\n\tmov (%rsp), %rdi\n\tand $-16, %rsp\n\tcall seed_main\n");

/* hash.c - the in-process library's hash of long inputs (a write's bytes:
 * il_echo_hash), with SSE2: the one part of the library built with vector
 * registers. Called only through il_hash_long (entry.S), which saves and
 * restores every xmm register around it: the program may have live values
 * in them at a patched syscall site, and the kernel keeps them across a
 * syscall. The value is XXH3_64bits's, as the scalar code's. */
#define IL_FREESTANDING 1
#pragma GCC visibility push(hidden)
#include "../common/inproc.h"

#if !defined(__SSE2__) || XXH_VECTOR != XXH_SSE2
#error "inproc/hash.c must be built with SSE2 (XXH_VECTOR=XXH_SSE2)"
#endif

/* XXH3_64bits of n bytes at p, vectorized (entry.S's il_hash_long only). */
uint64_t il_hash_sse2(const void *p, uint64_t n);

uint64_t il_hash_sse2(const void *p, uint64_t n)
{
	return XXH3_64bits(p, (size_t)n);
}

/* entry.S - the in-process library's header, entry and syscall
 * instructions (docs/inprocess.md section 4).
 *
 * A patched site's trampoline does `lea -128(%rsp), %rsp; call *entry`
 * with the syscall number in rax and its arguments in rdi, rsi, rdx, r10,
 * r8, r9, as for a syscall. The result comes back in rax; every other
 * register and the flags are kept, except rcx and r11 (as a syscall). */
#include "../common/inproc.h"

#define SYS_getpid 39
#define CTL(field) il_ctl_area + IL_CTL_##field(%rip)

	.hidden il_ctl_area, il_stack_top, il_main, il_text_end, il_header, il_entry, il_traced
	.hidden il_sys_untraced, il_trap, il_hash_long, il_hash_sse2
	.hidden il_tsc_entry, il_tsc_main, il_rdtsc_traced, il_rdtscp_traced

/* The header at offset 0 (struct il_header): lib.ld puts it first. */
	.section .text.il_header, "ax", @progbits
	.globl il_header
il_header:
	.long IL_MAGIC
	.long IL_VERSION
	.long il_text_end - il_header
	.long il_entry - il_header
	.long il_untraced_ret - il_header
	.long il_traced - il_header
	.long il_traced_ret - il_header
	.long il_trap_ret - il_header
	.long il_tsc_entry - il_header
	.long il_rdtsc_traced - il_header
	.long il_rdtscp_traced - il_header

/* Pops the flags pushfq saved at the entry back into the flags register,
 * without popfq (a tracer single-stepping popfq is left with the trap flag
 * set as the program's own, and the program gets a SIGTRAP later): DF,
 * then OF by an addition, then SF ZF AF PF CF by sahf. Keeps rax and rcx;
 * clobbers r11 (as a syscall does). */
.macro RESTORE_FLAGS
	mov %rax, %r11
	mov (%rsp), %rax
	bt $10, %rax		/* DF */
	jnc 91f
	std
	jmp 92f
91:	cld
92:	bt $11, %rax		/* OF */
	jnc 93f
	push %rax
	mov $0x7f, %al
	add $1, %al		/* overflows: OF = 1 */
	pop %rax
	jmp 94f
93:	push %rax
	xor %eax, %eax		/* OF = 0 */
	pop %rax
94:	mov %al, %ah
	sahf			/* SF ZF AF PF CF; OF kept */
	mov %r11, %rax
	lea 8(%rsp), %rsp
.endm

/* The end of a call the library answered, busy cleared, the flags the
 * program's: at 2 (IL_ACT_RETURN), a traced getpid (a stop for rec) if
 * rec set notify; at 4 (IL_ACT_NOTIFY), one whatever notify says; rax
 * kept (rcx and r11 not: the syscall's). */
.macro NOTIFY_STOP
2:	mov CTL(NOTIFY), %ecx
	jrcxz 5f
4:	push %rax
	mov $SYS_getpid, %eax
	call il_traced
	pop %rax
5:
.endm

	.text
	.globl il_entry
	.type il_entry, @function
il_entry:
	/* busy test-and-set without touching the flags */
	mov $1, %ecx
	xchg %ecx, CTL(BUSY)
	jrcxz 1f
	jmp il_traced		/* inside the library already (a handler): traced */
1:	mov %rsp, CTL(SAVED_RSP)
	lea il_stack_top(%rip), %rsp
	pushfq
	cld
	push %rax		/* the number; also aligns the stack for the call */
	push %r9
	push %r8
	push %r10
	push %rdx
	push %rsi
	push %rdi		/* rsp: uint64_t args[6] */
	mov %rax, %rdi
	mov %rsp, %rsi
	call il_main		/* rax: result, rdx: IL_ACT_* */
	mov %rdx, %rcx
	pop %rdi
	pop %rsi
	pop %rdx
	pop %r10
	pop %r8
	pop %r9
	pop %r11		/* the number */
	cmp $IL_ACT_TRACED, %rcx
	je 3f
	/* the flags, then back on the program's stack, then busy = 0; from
	 * here on nothing may change the flags */
	RESTORE_FLAGS
	mov CTL(SAVED_RSP), %rsp
	movl $0, CTL(BUSY)
	jrcxz 2f
	jmp 4f			/* IL_ACT_NOTIFY */
	NOTIFY_STOP
	ret
3:	mov %r11, %rax		/* IL_ACT_TRACED: the program's registers and stack */
	RESTORE_FLAGS
	mov CTL(SAVED_RSP), %rsp
	movl $0, CTL(BUSY)
	/* falls through */

/* The traced syscall: an ordinary seccomp stop for rec. */
	.globl il_traced
il_traced:
	syscall
il_traced_ret:
	ret
	.size il_entry, . - il_entry

/* A patched rdtsc or rdtscp site's trampoline does `mov $IL_NR_RDTSC (or
 * IL_NR_RDTSCP), %eax; lea -128(%rsp), %rsp; call *tsc_entry`: the
 * instruction's effects come back, eax and edx (the value), ecx (rdtscp:
 * TSC_AUX), the upper halves of rax, rdx and rcx zeroed as the
 * instruction does; every other register (r11 too) and the flags kept.
 * The program's rcx and r11 wait on its stack (il_tsc_main writes
 * rdtscp's TSC_AUX over that rcx); saved_rsp points above them, at the
 * return address, as for il_entry. When the library does not answer
 * (busy, mode OFF, no room in the ring, replay's go_traced) the
 * instruction itself runs, here: it faults, and rec (or replay) answers
 * it as any trapped rdtsc. */
	.globl il_tsc_entry
	.type il_tsc_entry, @function
il_tsc_entry:
	push %rcx
	push %r11
	mov $1, %ecx
	xchg %ecx, CTL(BUSY)
	jrcxz 1f
	jmp 7f			/* inside the library already (a handler): the instruction */
1:	lea 16(%rsp), %r11
	mov %r11, CTL(SAVED_RSP)
	lea il_stack_top(%rip), %rsp
	pushfq
	cld
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %rax		/* the kind */
	lea -8(%rsp), %rsp	/* (aligned for the call) */
	mov %rax, %rdi
	mov CTL(SAVED_RSP), %rsi
	lea -16(%rsi), %rsi	/* the program's r11, rcx */
	call il_tsc_main	/* rax: the value (TRACED: the kind), rdx: IL_ACT_* */
	mov %rdx, %rcx
	lea 8(%rsp), %rsp
	pop %r11		/* (the kind) */
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	RESTORE_FLAGS		/* (rax, rcx kept; r11 comes back from the program's stack) */
	mov CTL(SAVED_RSP), %rsp
	lea -16(%rsp), %rsp
	movl $0, CTL(BUSY)
	jrcxz 2f		/* IL_ACT_RETURN */
	lea -IL_ACT_TRACED(%rcx), %rcx
	jrcxz 7f		/* IL_ACT_TRACED */
	jmp 4f			/* IL_ACT_NOTIFY */
	NOTIFY_STOP
	push %rax		/* edx:eax from the value, no flag touched */
	mov 4(%rsp), %edx
	mov (%rsp), %eax
	lea 8(%rsp), %rsp
	pop %r11
	pop %rcx
	ret
7:	pop %r11		/* the instruction itself (eax: the kind) */
	mov %eax, %ecx
	lea -IL_NR_RDTSC(%rcx), %rcx
	jrcxz 8f
	pop %rcx
	.globl il_rdtscp_traced
il_rdtscp_traced:
	rdtscp
	ret
8:	pop %rcx
	.globl il_rdtsc_traced
il_rdtsc_traced:
	rdtsc
	ret
	.size il_tsc_entry, . - il_tsc_entry

/* long il_sys_untraced(long nr, const uint64_t args[6]): the one syscall
 * instruction rec's filter lets through. */
	.globl il_sys_untraced
	.type il_sys_untraced, @function
il_sys_untraced:
	mov %rdi, %rax
	mov %rsi, %r11
	mov 0(%r11), %rdi
	mov 8(%r11), %rsi
	mov 16(%r11), %rdx
	mov 24(%r11), %r10
	mov 32(%r11), %r8
	mov 40(%r11), %r9
	syscall
il_untraced_ret:
	ret
	.size il_sys_untraced, . - il_sys_untraced

/* uint64_t il_hash_long(const void *p, uint64_t n): XXH3_64bits with SSE2
 * (hash.c), the program's xmm0-15 kept: saved on the library's stack and
 * restored (the rest of the library uses general registers only). Legacy
 * SSE instructions leave the upper halves of ymm and zmm registers as they
 * were; MXCSR and the x87 state are not touched. */
	.globl il_hash_long
	.type il_hash_long, @function
il_hash_long:
	sub $264, %rsp		/* 16 registers, and rsp aligned for the call */
	movdqu %xmm0, 0(%rsp)
	movdqu %xmm1, 16(%rsp)
	movdqu %xmm2, 32(%rsp)
	movdqu %xmm3, 48(%rsp)
	movdqu %xmm4, 64(%rsp)
	movdqu %xmm5, 80(%rsp)
	movdqu %xmm6, 96(%rsp)
	movdqu %xmm7, 112(%rsp)
	movdqu %xmm8, 128(%rsp)
	movdqu %xmm9, 144(%rsp)
	movdqu %xmm10, 160(%rsp)
	movdqu %xmm11, 176(%rsp)
	movdqu %xmm12, 192(%rsp)
	movdqu %xmm13, 208(%rsp)
	movdqu %xmm14, 224(%rsp)
	movdqu %xmm15, 240(%rsp)
	call il_hash_sse2
	movdqu 0(%rsp), %xmm0
	movdqu 16(%rsp), %xmm1
	movdqu 32(%rsp), %xmm2
	movdqu 48(%rsp), %xmm3
	movdqu 64(%rsp), %xmm4
	movdqu 80(%rsp), %xmm5
	movdqu 96(%rsp), %xmm6
	movdqu 112(%rsp), %xmm7
	movdqu 128(%rsp), %xmm8
	movdqu 144(%rsp), %xmm9
	movdqu 160(%rsp), %xmm10
	movdqu 176(%rsp), %xmm11
	movdqu 192(%rsp), %xmm12
	movdqu 208(%rsp), %xmm13
	movdqu 224(%rsp), %xmm14
	movdqu 240(%rsp), %xmm15
	add $264, %rsp
	ret
	.size il_hash_long, . - il_hash_long

/* void il_trap(void): replay's library stops for its tracer. */
	.globl il_trap
	.type il_trap, @function
il_trap:
	int3
il_trap_ret:
	ret
	.size il_trap, . - il_trap

	.section .note.GNU-stack, "", @progbits

/* preempt_interp: 3 threads each run a tiny bytecode interpreter (a
 * switch-based VM whose state lives in memory) executing a loop program
 * that adds to a shared counter without a lock and folds its loop index
 * into a checksum. At the top of the dispatch loop every general register
 * is the same at each bytecode instruction of each iteration (scratch
 * registers are cleared there; only the VM's memory moves on): the
 * interpreter case of preemption. Each thread runs about 50-100 ms
 * natively. Prints each thread's checksum (deterministic) and the shared
 * counter (racy natively: the recorded value in replay). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define THREADS 3
#define ITERS 2000000

enum op { OP_LOADI, OP_LOAD, OP_STORE, OP_ADDI, OP_MIX, OP_JNZ, OP_HALT };

struct insn {
	uint8_t op, r, s; /* register operands (s: a second register, or a memory slot) */
	int32_t imm;
};

struct vm {
	volatile long reg[4];
	volatile long pc;
	volatile long *slot[2]; /* memory slots: 0 the shared counter, 1 this thread's checksum */
	const struct insn *code;
	volatile long acc;
};

static volatile long shared;

/* The program: r1 = ITERS; do { shared += 1; acc = mix(acc, r1) } while (--r1). */
static const struct insn program[] = {
	{ OP_LOADI, 1, 0, ITERS },
	{ OP_LOAD, 0, 0, 0 },
	{ OP_ADDI, 0, 0, 1 },
	{ OP_STORE, 0, 0, 0 },
	{ OP_LOAD, 2, 1, 0 },
	{ OP_MIX, 2, 1, 0 },
	{ OP_STORE, 2, 1, 0 },
	{ OP_ADDI, 1, 0, -1 },
	{ OP_JNZ, 1, 0, 1 },
	{ OP_HALT, 0, 0, 0 },
};

/* Clears the caller-saved registers: what the loop keeps across dispatches
 * (the VM's address) is then in callee-saved ones, the same every time. */
#define CLEAR_SCRATCH()                                                                   \
	__asm__ volatile("xor %%eax, %%eax\n\txor %%ecx, %%ecx\n\txor %%edx, %%edx\n\t"          \
			 "xor %%esi, %%esi\n\txor %%edi, %%edi\n\txor %%r8d, %%r8d\n\t"           \
			 "xor %%r9d, %%r9d\n\txor %%r10d, %%r10d\n\txor %%r11d, %%r11d"           \
			 ::: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "cc", "memory")

static void run(struct vm *vm)
{
	for (;;) {
		CLEAR_SCRATCH();
		const struct insn *in = &vm->code[vm->pc];
		vm->pc = vm->pc + 1;
		switch (in->op) {
		case OP_LOADI:
			vm->reg[in->r] = in->imm;
			break;
		case OP_LOAD:
			vm->reg[in->r] = *vm->slot[in->s];
			break;
		case OP_STORE:
			*vm->slot[in->s] = vm->reg[in->r];
			break;
		case OP_ADDI:
			vm->reg[in->r] = vm->reg[in->r] + in->imm;
			break;
		case OP_MIX: {
			unsigned long a = (unsigned long)vm->reg[in->r];
			vm->reg[in->r] = (long)((a * 31 + (unsigned long)vm->reg[in->s]) ^ (a >> 7));
			break;
		}
		case OP_JNZ:
			if (vm->reg[in->r])
				vm->pc = in->imm;
			break;
		default:
			return;
		}
	}
}

static void *thread_main(void *arg)
{
	struct vm *vm = arg;
	run(vm);
	return NULL;
}

int main(void)
{
	static struct vm vms[THREADS];
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++) {
		vms[i].code = program;
		vms[i].slot[0] = &shared;
		vms[i].slot[1] = &vms[i].acc;
		vms[i].acc = i + 1;
		if (pthread_create(&t[i], NULL, thread_main, &vms[i])) {
			fprintf(stderr, "preempt_interp: pthread_create failed\n");
			return 1;
		}
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < THREADS; i++)
		printf("thread %d checksum %lx\n", i, (unsigned long)vms[i].acc);
	printf("shared counter %ld (racy)\n", shared);
	return 0;
}

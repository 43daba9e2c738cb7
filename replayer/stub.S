/* stub.S - the program replay execs first and then turns into the recorded
 * one. Layout (replay_space.c relies on it): entry: int3; entry+1: syscall;
 * entry+3: int3; entry+16: a 4 KiB scratch area for injected syscalls. */
	.text
	.globl _start
_start:
	int3
	syscall
	int3
	.balign 16
	.fill 4096, 1, 0

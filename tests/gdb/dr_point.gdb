# dr_point.gdb: a breakpoint in compute() after its loop, hit by the thread
# whose state-matched preemption point replay found with its debug register
# (HEISEN_TEST_NO_TRAMPOLINE): the int3's stop is gdb's, not that point's.
# AFTER_LOOP: suite-gdb.sh puts the line marked "after the loop" there.
handle SIGUSR1 nostop noprint pass
handle SIGSEGV nostop noprint pass
break sig_frame_kernel.c:AFTER_LOOP
continue
continue
continue
delete
continue

# continue_signals.gdb: gdb only continues, passing the program's signals.
# gdb single-steps over its shared-library breakpoint at startup, so the
# kernel's trap number in every later signal frame differs from the
# recording's; those frames stay below the thread's stack pointer, in the
# memory that another thread's state-matched preemption point compares.
handle SIGUSR1 nostop noprint pass
handle SIGSEGV nostop noprint pass
continue

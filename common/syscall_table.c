/* syscall_table.c - every x86-64 syscall heisen knows, described once:
 * name, argument count, replay class, echo kind and output memory.
 *
 * Argument counts are the kernel's (SYSCALL_DEFINEn); argument indexes in
 * the output descriptors count from 0 (rdi, rsi, rdx, r10, r8, r9). A region
 * may cover more than the kernel writes (it is captured at syscall exit and
 * written back at the same point); it must never cover less. */
#include "syscalls.h"

#include <sys/syscall.h>

/* Numbers newer than the kernel headers heisen may be built with. */
#ifndef SYS_cachestat
#define SYS_cachestat 451
#endif
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_map_shadow_stack
#define SYS_map_shadow_stack 453
#endif
#ifndef SYS_futex_wake
#define SYS_futex_wake 454
#endif
#ifndef SYS_futex_wait
#define SYS_futex_wait 455
#endif
#ifndef SYS_futex_requeue
#define SYS_futex_requeue 456
#endif
#ifndef SYS_statmount
#define SYS_statmount 457
#endif
#ifndef SYS_listmount
#define SYS_listmount 458
#endif
#ifndef SYS_lsm_get_self_attr
#define SYS_lsm_get_self_attr 459
#endif
#ifndef SYS_lsm_set_self_attr
#define SYS_lsm_set_self_attr 460
#endif
#ifndef SYS_lsm_list_modules
#define SYS_lsm_list_modules 461
#endif
#ifndef SYS_mseal
#define SYS_mseal 462
#endif
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#endif
#ifndef SYS_getxattrat
#define SYS_getxattrat 464
#endif
#ifndef SYS_listxattrat
#define SYS_listxattrat 465
#endif
#ifndef SYS_removexattrat
#define SYS_removexattrat 466
#endif
#ifndef SYS_open_tree_attr
#define SYS_open_tree_attr 467
#endif
#ifndef SYS_file_getattr
#define SYS_file_getattr 468
#endif
#ifndef SYS_file_setattr
#define SYS_file_setattr 469
#endif

#define O(k, a, b, s) {k, a, b, s}
#define FIX(a, s) O(OUT_FIXED, a, 0, s)
#define FIXA(a, s) {OUT_FIXED, a, 0, s, 1} /* written on failure too */
#define RET(a) O(OUT_RET, a, (a) + 1, 0) /* b: the buffer's length argument */
#define ARGLEN(a, b, s) O(OUT_ARGLEN, a, b, s)
#define LENPTR(a, b) O(OUT_LENPTR, a, b, 128)
#define ELEMS(a, s) O(OUT_RET_ELEMS, a, (a) + 1, s) /* b: the element count argument */
#define IOV(a, b) O(OUT_IOV, a, b, 0)

/* &#nr[4] drops the "SYS_" of the stringized, unexpanded name. */
#define ENTRY(nr, nm, n, c, ...) [nr] = {.name = nm, .nargs = n, .cls = c, .out = {__VA_ARGS__}}
#define SC(nr, n, c) ENTRY(nr, &#nr[4], n, c)
#define EMU(nr, n, ...) ENTRY(nr, &#nr[4], n, SCC_EMU, __VA_ARGS__)
#define RUN(nr, n) ENTRY(nr, &#nr[4], n, SCC_EXEC)
#define NO(nr, n) ENTRY(nr, &#nr[4], n, SCC_REFUSE)
#define WR(nr, n, e, ...) [nr] = {.name = &#nr[4], .nargs = n, .cls = SCC_EMU, .echo = e, .out = {__VA_ARGS__}}

/* Struct sizes on x86-64, as the kernel writes them. */
enum {
	SZ_STAT = 144, SZ_STATX = 256, SZ_TIMESPEC = 16, SZ_TIMEVAL = 16, SZ_TIMEZONE = 8,
	SZ_UTSNAME = 390, SZ_SYSINFO = 112, SZ_RLIMIT = 16, SZ_RUSAGE = 144, SZ_TMS = 32,
	SZ_STATFS = 120, SZ_SIGSET = 8, SZ_ITIMERVAL = 32, SZ_ITIMERSPEC = 32,
	SZ_POLLFD = 8, SZ_EPOLL_EVENT = 12, SZ_SIGINFO = 128, SZ_TIMEX = 208, SZ_INT = 4,
	SZ_LONG = 8, SZ_CAPHDR = 8, SZ_CAPDATA = 2 * 12, SZ_MQ_ATTR = 64, SZ_USTAT = 32,
	SZ_MMSGHDR = 64, SZ_CACHESTAT = 40,
	SZ_SHMID = 112,  /* shmid_ds; shminfo is 72, shm_info 48 */
	SZ_MSQID = 120,  /* msqid_ds; msginfo is 32 */
	SZ_HANDLE = 8 + 128, /* file_handle with MAX_HANDLE_SZ bytes of handle */
	SZ_QUOTA = 160,  /* the largest quotactl result: fs_quota_statv */
	SZ_SEMARRAY = 64000, /* semctl GETALL: SEMMSL (32000) shorts; semid_ds is 104 */
	SZ_PRCTL = 1024, /* prctl arg 1: PR_GET_NAME 16, ints, PR_GET_AUXV (448 on 6.18) */
	SZ_FSNAME = 64,  /* sysfs(2, i, buf): a filesystem type name */
};

const struct sc_desc sc_table[SC_MAX] = {
	/* file descriptors and file I/O */
	EMU(SYS_read, 3, RET(1)),
	WR(SYS_write, 3, ECHO_BUF),
	EMU(SYS_open, 3),
	EMU(SYS_openat, 4),
	EMU(SYS_openat2, 4),
	EMU(SYS_creat, 2),
	EMU(SYS_close, 1),
	EMU(SYS_close_range, 3),
	EMU(SYS_lseek, 3),
	EMU(SYS_pread64, 4, RET(1)),
	WR(SYS_pwrite64, 4, ECHO_BUF),
	EMU(SYS_readv, 3, IOV(1, 2)),
	WR(SYS_writev, 3, ECHO_IOV),
	EMU(SYS_preadv, 5, IOV(1, 2)),
	EMU(SYS_preadv2, 6, IOV(1, 2)),
	WR(SYS_pwritev, 5, ECHO_IOV),
	WR(SYS_pwritev2, 6, ECHO_IOV),
	[SYS_sendfile] = {.name = "sendfile", .nargs = 4, .cls = SCC_EMU, .xfer_fd = 1 + 0, .out = {FIX(2, SZ_LONG)}},               /* *offset */
	[SYS_copy_file_range] = {.name = "copy_file_range", .nargs = 6, .cls = SCC_EMU, .xfer_fd = 1 + 2,
				 .out = {FIX(1, SZ_LONG), FIX(3, SZ_LONG)}},
	[SYS_splice] = {.name = "splice", .nargs = 6, .cls = SCC_EMU, .xfer_fd = 1 + 2,
			.out = {FIX(1, SZ_LONG), FIX(3, SZ_LONG)}},
	[SYS_tee] = {.name = "tee", .nargs = 4, .cls = SCC_EMU, .xfer_fd = 1 + 1},
	/* from a pipe's read end it fills the iovecs (not echoed: the replay
	 * check of sent bytes runs before the recorded output is written) */
	EMU(SYS_vmsplice, 4, IOV(1, 2)),
	EMU(SYS_ioctl, 3, O(OUT_IOCTL, 2, 0, 0)),
	EMU(SYS_fcntl, 3, O(OUT_FCNTL, 2, 0, 0)),
	EMU(SYS_flock, 2),
	EMU(SYS_dup, 1),
	EMU(SYS_dup2, 2),
	EMU(SYS_dup3, 3),
	EMU(SYS_pipe, 1, FIX(0, 2 * SZ_INT)),
	EMU(SYS_pipe2, 2, FIX(0, 2 * SZ_INT)),
	EMU(SYS_fsync, 1),
	EMU(SYS_fdatasync, 1),
	EMU(SYS_sync, 0),
	EMU(SYS_syncfs, 1),
	EMU(SYS_sync_file_range, 4),
	EMU(SYS_truncate, 2),
	EMU(SYS_ftruncate, 2),
	EMU(SYS_fallocate, 4),
	EMU(SYS_fadvise64, 4),
	EMU(SYS_readahead, 3),
	EMU(SYS_cachestat, 4, FIX(2, SZ_CACHESTAT)),
	EMU(SYS_getdents, 3, RET(1)),
	EMU(SYS_getdents64, 3, RET(1)),
	EMU(SYS_memfd_create, 2),
	EMU(SYS_eventfd, 1),
	EMU(SYS_eventfd2, 2),

	/* file status */
	EMU(SYS_stat, 2, FIX(1, SZ_STAT)),
	EMU(SYS_fstat, 2, FIX(1, SZ_STAT)),
	EMU(SYS_lstat, 2, FIX(1, SZ_STAT)),
	EMU(SYS_newfstatat, 4, FIX(2, SZ_STAT)),
	EMU(SYS_statx, 5, FIX(4, SZ_STATX)),
	EMU(SYS_statfs, 2, FIX(1, SZ_STATFS)),
	EMU(SYS_fstatfs, 2, FIX(1, SZ_STATFS)),
	EMU(SYS_ustat, 2, FIX(1, SZ_USTAT)),
	EMU(SYS_file_getattr, 5, ARGLEN(2, 3, 1)),           /* struct file_attr, usize bytes */
	EMU(SYS_file_setattr, 5),

	/* paths and directories */
	EMU(SYS_access, 2),
	EMU(SYS_faccessat, 3),
	EMU(SYS_faccessat2, 4),
	EMU(SYS_getcwd, 2, RET(0)),
	EMU(SYS_chdir, 1),
	EMU(SYS_fchdir, 1),
	EMU(SYS_chroot, 1),
	EMU(SYS_rename, 2),
	EMU(SYS_renameat, 4),
	EMU(SYS_renameat2, 5),
	EMU(SYS_mkdir, 2),
	EMU(SYS_mkdirat, 3),
	EMU(SYS_rmdir, 1),
	EMU(SYS_link, 2),
	EMU(SYS_linkat, 5),
	EMU(SYS_unlink, 1),
	EMU(SYS_unlinkat, 3),
	EMU(SYS_symlink, 2),
	EMU(SYS_symlinkat, 3),
	EMU(SYS_readlink, 3, RET(1)),
	EMU(SYS_readlinkat, 4, RET(2)),
	EMU(SYS_chmod, 2),
	EMU(SYS_fchmod, 2),
	EMU(SYS_fchmodat, 3),
	EMU(SYS_fchmodat2, 4),
	EMU(SYS_chown, 3),
	EMU(SYS_fchown, 3),
	EMU(SYS_lchown, 3),
	EMU(SYS_fchownat, 5),
	EMU(SYS_utime, 2),
	EMU(SYS_utimes, 2),
	EMU(SYS_utimensat, 4),
	EMU(SYS_futimesat, 3),
	EMU(SYS_mknod, 3),
	EMU(SYS_mknodat, 4),
	EMU(SYS_umask, 1),
	/* handle_bytes is written back even on EOVERFLOW; the mount id is an
	 * int, or a u64 with AT_HANDLE_MNT_ID_UNIQUE */
	EMU(SYS_name_to_handle_at, 5, FIXA(2, SZ_HANDLE), FIX(3, SZ_LONG)),
	EMU(SYS_open_by_handle_at, 3),

	/* extended attributes */
	EMU(SYS_getxattr, 4, RET(2)),
	EMU(SYS_lgetxattr, 4, RET(2)),
	EMU(SYS_fgetxattr, 4, RET(2)),
	EMU(SYS_listxattr, 3, RET(1)),
	EMU(SYS_llistxattr, 3, RET(1)),
	EMU(SYS_flistxattr, 3, RET(1)),
	EMU(SYS_listxattrat, 5, RET(3)),
	EMU(SYS_setxattr, 5),
	EMU(SYS_lsetxattr, 5),
	EMU(SYS_fsetxattr, 5),
	EMU(SYS_setxattrat, 6),
	EMU(SYS_removexattr, 2),
	EMU(SYS_lremovexattr, 2),
	EMU(SYS_fremovexattr, 2),
	EMU(SYS_removexattrat, 4),
	/* the value goes where struct xattr_args (arg 4) points: no shape for
	 * that, so refused; programs fall back to getxattr/fgetxattr */
	NO(SYS_getxattrat, 6),

	/* polling and events */
	EMU(SYS_poll, 3, ARGLEN(0, 1, SZ_POLLFD)),
	[SYS_ppoll] = {.name = "ppoll", .nargs = 5, .cls = SCC_EMU, .mask_arg = 1 + 3,
		      .out = {ARGLEN(0, 1, SZ_POLLFD), FIXA(2, SZ_TIMESPEC)}},
	/* both write the time left back (glibc's select is pselect6 and copies
	 * it to the caller's timeval) */
	EMU(SYS_select, 5, O(OUT_FDSETS, 1, 0, 0), FIXA(4, SZ_TIMEVAL)),
	[SYS_pselect6] = {.name = "pselect6", .nargs = 6, .cls = SCC_EMU, .mask_arg = (1 + 5) | SC_MASK_INDIRECT,
			 .out = {O(OUT_FDSETS, 1, 0, 0), FIXA(4, SZ_TIMESPEC)}},
	EMU(SYS_epoll_create, 1),
	EMU(SYS_epoll_create1, 1),
	EMU(SYS_epoll_ctl, 4),
	EMU(SYS_epoll_wait, 4, ELEMS(1, SZ_EPOLL_EVENT)),
	[SYS_epoll_pwait] = {.name = "epoll_pwait", .nargs = 6, .cls = SCC_EMU, .mask_arg = 1 + 4,
			    .out = {ELEMS(1, SZ_EPOLL_EVENT)}},
	[SYS_epoll_pwait2] = {.name = "epoll_pwait2", .nargs = 6, .cls = SCC_EMU, .mask_arg = 1 + 4,
			     .out = {ELEMS(1, SZ_EPOLL_EVENT)}},
	EMU(SYS_timerfd_create, 2),
	EMU(SYS_timerfd_settime, 4, FIX(3, SZ_ITIMERSPEC)),
	EMU(SYS_timerfd_gettime, 2, FIX(1, SZ_ITIMERSPEC)),
	EMU(SYS_signalfd, 3),
	EMU(SYS_signalfd4, 4),
	EMU(SYS_inotify_init, 0),
	EMU(SYS_inotify_init1, 1),
	EMU(SYS_inotify_add_watch, 3),
	EMU(SYS_inotify_rm_watch, 2),
	EMU(SYS_fanotify_init, 2),
	EMU(SYS_fanotify_mark, 5),

	/* sockets */
	EMU(SYS_socket, 3),
	EMU(SYS_socketpair, 4, FIX(3, 2 * SZ_INT)),
	EMU(SYS_bind, 3),
	EMU(SYS_listen, 2),
	EMU(SYS_accept, 3, LENPTR(1, 2)),
	EMU(SYS_accept4, 4, LENPTR(1, 2)),
	EMU(SYS_connect, 3),
	EMU(SYS_getsockname, 3, LENPTR(1, 2)),
	EMU(SYS_getpeername, 3, LENPTR(1, 2)),
	WR(SYS_sendto, 6, ECHO_BUF), /* the bytes sent are checked in replay */
	EMU(SYS_recvfrom, 6, RET(1), LENPTR(4, 5)),
	EMU(SYS_sendmsg, 3),
	EMU(SYS_recvmsg, 3, O(OUT_MSGHDR, 1, 0, 0)),
	/* the kernel sets msg_len in each mmsghdr sent (glibc's resolver reads it) */
	EMU(SYS_sendmmsg, 4, ELEMS(1, SZ_MMSGHDR)),
	/* ...and recvmmsg writes the time left back to its timeout */
	EMU(SYS_recvmmsg, 5, O(OUT_MMSGHDR, 1, 0, 0), FIXA(4, SZ_TIMESPEC)),
	EMU(SYS_shutdown, 2),
	EMU(SYS_setsockopt, 5),
	EMU(SYS_getsockopt, 5, O(OUT_SOCKOPT, 3, 4, 0)),

	/* time, clocks and timers: replay never sets the clock */
	EMU(SYS_clock_gettime, 2, FIX(1, SZ_TIMESPEC)),
	EMU(SYS_clock_getres, 2, FIX(1, SZ_TIMESPEC)),
	EMU(SYS_clock_settime, 2),
	EMU(SYS_clock_nanosleep, 4, FIXA(3, SZ_TIMESPEC)),
	EMU(SYS_clock_adjtime, 2, FIX(1, SZ_TIMEX)),
	EMU(SYS_gettimeofday, 2, FIX(0, SZ_TIMEVAL), FIX(1, SZ_TIMEZONE)),
	EMU(SYS_settimeofday, 2),
	EMU(SYS_time, 1, FIX(0, SZ_LONG)),
	EMU(SYS_nanosleep, 2, FIXA(1, SZ_TIMESPEC)),
	EMU(SYS_times, 1, FIX(0, SZ_TMS)),
	EMU(SYS_adjtimex, 1, FIX(0, SZ_TIMEX)),
	EMU(SYS_getitimer, 2, FIX(1, SZ_ITIMERVAL)),
	EMU(SYS_setitimer, 3, FIX(2, SZ_ITIMERVAL)),
	EMU(SYS_alarm, 1),
	EMU(SYS_timer_create, 3, FIX(2, SZ_INT)),
	EMU(SYS_timer_settime, 4, FIX(3, SZ_ITIMERSPEC)),
	EMU(SYS_timer_gettime, 2, FIX(1, SZ_ITIMERSPEC)),
	EMU(SYS_timer_getoverrun, 1),
	EMU(SYS_timer_delete, 1),

	/* identity and credentials */
	EMU(SYS_getpid, 0),
	EMU(SYS_getppid, 0),
	EMU(SYS_gettid, 0),
	EMU(SYS_getuid, 0),
	EMU(SYS_geteuid, 0),
	EMU(SYS_getgid, 0),
	EMU(SYS_getegid, 0),
	EMU(SYS_getresuid, 3, FIX(0, SZ_INT), FIX(1, SZ_INT), FIX(2, SZ_INT)),
	EMU(SYS_getresgid, 3, FIX(0, SZ_INT), FIX(1, SZ_INT), FIX(2, SZ_INT)),
	EMU(SYS_getgroups, 2, O(OUT_RET_ELEMS, 1, 0, SZ_INT)),
	EMU(SYS_setuid, 1),
	EMU(SYS_setgid, 1),
	EMU(SYS_setreuid, 2),
	EMU(SYS_setregid, 2),
	EMU(SYS_setresuid, 3),
	EMU(SYS_setresgid, 3),
	EMU(SYS_setgroups, 2),
	EMU(SYS_setfsuid, 1),
	EMU(SYS_setfsgid, 1),
	EMU(SYS_getpgrp, 0),
	EMU(SYS_getpgid, 1),
	EMU(SYS_setpgid, 2),
	EMU(SYS_getsid, 1),
	EMU(SYS_setsid, 0),
	/* an unknown version is answered by writing the preferred one into
	 * the header, with EINVAL (libcap probes that way) */
	EMU(SYS_capget, 2, FIXA(0, SZ_CAPHDR), FIX(1, SZ_CAPDATA)),
	EMU(SYS_capset, 2),
	EMU(SYS_lsm_get_self_attr, 4, O(OUT_LENPTR, 1, 2, 0), FIX(2, SZ_INT)),
	EMU(SYS_lsm_set_self_attr, 4),
	EMU(SYS_lsm_list_modules, 3, O(OUT_LENPTR, 0, 1, 0), FIX(1, SZ_INT)),

	/* system information, limits and scheduling */
	EMU(SYS_uname, 1, FIX(0, SZ_UTSNAME)),
	EMU(SYS_sethostname, 2),
	EMU(SYS_setdomainname, 2),
	EMU(SYS_sysinfo, 1, FIX(0, SZ_SYSINFO)),
	EMU(SYS_sysfs, 3, FIX(2, SZ_FSNAME)),
	EMU(SYS_syslog, 3, RET(1)),
	EMU(SYS_getrlimit, 2, FIX(1, SZ_RLIMIT)),
	EMU(SYS_setrlimit, 2),
	EMU(SYS_prlimit64, 4, FIX(3, SZ_RLIMIT)),
	EMU(SYS_getrusage, 2, FIX(1, SZ_RUSAGE)),
	EMU(SYS_getpriority, 2),
	EMU(SYS_setpriority, 3),
	EMU(SYS_getrandom, 3, RET(0)),
	EMU(SYS_getcpu, 3, FIX(0, SZ_INT), FIX(1, SZ_INT)),
	EMU(SYS_sched_getaffinity, 3, O(OUT_RET, 2, 1, 0)),
	EMU(SYS_sched_setaffinity, 3), /* the recorder never runs it: see rec_syscall.c */
	EMU(SYS_sched_yield, 0),
	EMU(SYS_sched_getparam, 2, FIX(1, SZ_INT)),
	EMU(SYS_sched_setparam, 2),
	EMU(SYS_sched_getscheduler, 1),
	EMU(SYS_sched_setscheduler, 3),
	EMU(SYS_sched_get_priority_max, 1),
	EMU(SYS_sched_get_priority_min, 1),
	EMU(SYS_sched_rr_get_interval, 2, FIX(1, SZ_TIMESPEC)),
	EMU(SYS_sched_getattr, 4, ARGLEN(1, 2, 1)), /* min(usize, 56) bytes */
	EMU(SYS_sched_setattr, 3),
	EMU(SYS_ioprio_get, 2),
	EMU(SYS_ioprio_set, 3),
	/* options write through arg 1 (PR_GET_NAME 16 bytes, PR_GET_PDEATHSIG
	 * and other ints, PR_GET_TID_ADDRESS, PR_GET_AUXV), arg 2
	 * (PR_SET_MM_MAP_SIZE) or arg 4 (PR_SCHED_CORE_GET): all three are
	 * covered, whatever the option */
	EMU(SYS_prctl, 5, FIX(1, SZ_PRCTL), FIX(2, SZ_INT), FIX(4, SZ_LONG)),
	/* personality flags change how later mappings behave
	 * (READ_IMPLIES_EXEC): applied again, the old persona from the trace */
	SC(SYS_personality, 1, SCC_EXEC_RES),
	EMU(SYS_kcmp, 5),
	EMU(SYS_vhangup, 0),
	EMU(SYS_acct, 1),
	EMU(SYS_reboot, 4),

	/* signals: dispositions, masks and the alternate stack are rebuilt */
	RUN(SYS_rt_sigaction, 4),
	RUN(SYS_rt_sigprocmask, 4),
	RUN(SYS_rt_sigreturn, 0),
	RUN(SYS_sigaltstack, 2),
	EMU(SYS_rt_sigpending, 2, FIX(0, SZ_SIGSET)),
	/* continues an interrupted nanosleep, poll, futex...: the recorder
	 * captures the memory of the syscall it continues */
	EMU(SYS_restart_syscall, 0),
	[SYS_rt_sigsuspend] = {.name = "rt_sigsuspend", .nargs = 2, .cls = SCC_EMU, .mask_arg = 1 + 0},
	EMU(SYS_rt_sigtimedwait, 4, FIX(1, SZ_SIGINFO)),
	EMU(SYS_rt_sigqueueinfo, 3),
	EMU(SYS_rt_tgsigqueueinfo, 4),
	EMU(SYS_pause, 0),
	EMU(SYS_kill, 2),
	EMU(SYS_tkill, 2),
	EMU(SYS_tgkill, 3),

	/* processes and threads */
	SC(SYS_clone, 5, SCC_PROCESS),
	SC(SYS_clone3, 2, SCC_PROCESS),
	SC(SYS_fork, 0, SCC_PROCESS),
	SC(SYS_vfork, 0, SCC_PROCESS),
	SC(SYS_execve, 3, SCC_EXECVE),
	SC(SYS_execveat, 5, SCC_EXECVE),
	SC(SYS_exit, 1, SCC_EXIT),
	SC(SYS_exit_group, 1, SCC_EXIT),
	[SYS_wait4] = {.name = "wait4", .nargs = 4, .cls = SCC_EMU, .reap = SC_REAP_WAIT4,
		       .out = {FIX(1, SZ_INT), FIX(3, SZ_RUSAGE)}},
	/* waitid stores si_signo..si_status (zeros) on failure too (ECHILD) */
	[SYS_waitid] = {.name = "waitid", .nargs = 5, .cls = SCC_EMU, .reap = SC_REAP_WAITID,
			.out = {FIXA(2, SZ_SIGINFO), FIX(4, SZ_RUSAGE)}},
	EMU(SYS_unshare, 1),
	EMU(SYS_setns, 2),
	/* PI and requeue-PI operations store owner tids in the futex word (arg
	 * 0) or the second futex (arg 4); FUTEX_WAKE_OP changes arg 4 */
	EMU(SYS_futex, 6, O(OUT_FUTEX, 0, 0, 0)),
	EMU(SYS_futex_waitv, 5),
	EMU(SYS_futex_wake, 4),
	EMU(SYS_futex_wait, 6),
	EMU(SYS_futex_requeue, 4),
	RUN(SYS_set_robust_list, 2),
	EMU(SYS_get_robust_list, 3, FIX(1, SZ_LONG), FIX(2, SZ_LONG)),
	SC(SYS_set_tid_address, 1, SCC_EXEC_RES),
	RUN(SYS_arch_prctl, 2),
	RUN(SYS_modify_ldt, 3),        /* the process's LDT, set again; a read of it reads the same */
	/* a pidfd of a process: refused, so programs stay on plain pids */
	NO(SYS_pidfd_open, 2),
	EMU(SYS_pidfd_send_signal, 4),
	EMU(SYS_pidfd_getfd, 3),
	EMU(SYS_process_mrelease, 2),
	EMU(SYS_process_madvise, 5), /* only non-destructive advice is allowed */

	/* memory: the address space is rebuilt, so these run again */
	SC(SYS_mmap, 6, SCC_MMAP),
	RUN(SYS_munmap, 2),
	RUN(SYS_mprotect, 3),
	RUN(SYS_pkey_mprotect, 4),
	RUN(SYS_pkey_alloc, 2), /* sets the new key's rights in PKRU */
	RUN(SYS_pkey_free, 1),
	RUN(SYS_madvise, 3),
	RUN(SYS_mseal, 3),      /* later munmap/mprotect must fail alike */
	RUN(SYS_map_shadow_stack, 3),
	SC(SYS_mremap, 5, SCC_MREMAP),
	SC(SYS_brk, 1, SCC_BRK),
	/* residency, locking and NUMA placement change no contents */
	/* the vector as the kernel wrote it, up to a hole in the range too */
	EMU(SYS_mincore, 3, {OUT_PAGEVEC, 2, 1, 0, 1}),
	EMU(SYS_mlock, 2),
	EMU(SYS_mlock2, 3),
	EMU(SYS_munlock, 2),
	EMU(SYS_mlockall, 1),
	EMU(SYS_munlockall, 0),
	EMU(SYS_msync, 3),
	EMU(SYS_membarrier, 3),
	EMU(SYS_get_mempolicy, 5, FIX(0, SZ_INT), O(OUT_FDSET, 1, 2, 0)), /* nodemask of arg 2 bits */
	EMU(SYS_set_mempolicy, 3),
	EMU(SYS_set_mempolicy_home_node, 4),
	EMU(SYS_mbind, 6),
	EMU(SYS_migrate_pages, 4),
	EMU(SYS_move_pages, 6, ARGLEN(4, 1, SZ_INT)), /* status[count] */

	/* System V IPC and POSIX message queues */
	EMU(SYS_shmget, 3),
	EMU(SYS_shmctl, 3, FIX(2, SZ_SHMID)),
	EMU(SYS_semget, 3),
	EMU(SYS_semop, 3),
	EMU(SYS_semtimedop, 4),
	/* arg 3 is the semun: IPC_STAT writes 104 bytes, the INFO commands 40,
	 * GETALL one short per semaphore, at most SEMMSL */
	EMU(SYS_semctl, 4, FIX(3, SZ_SEMARRAY)),
	EMU(SYS_msgget, 2),
	EMU(SYS_msgsnd, 4),
	/* mtype (8 bytes) then the text (result bytes, at most arg 2): twice
	 * arg 2, or 16 bytes for a tiny buffer, always covers it */
	EMU(SYS_msgrcv, 5, FIX(1, 2 * SZ_LONG), ARGLEN(1, 2, 2)),
	EMU(SYS_msgctl, 3, FIX(2, SZ_MSQID)),
	EMU(SYS_mq_open, 4),
	EMU(SYS_mq_unlink, 1),
	EMU(SYS_mq_timedsend, 5),
	EMU(SYS_mq_timedreceive, 5, RET(1), FIX(3, SZ_INT)),
	EMU(SYS_mq_notify, 2),
	EMU(SYS_mq_getsetattr, 3, FIX(2, SZ_MQ_ATTR)),

	/* administration: mounts, swap, modules, quotas, keys. All emulated:
	 * replay never mounts, loads or reboots anything */
	EMU(SYS_mount, 5),
	EMU(SYS_umount2, 2),
	EMU(SYS_pivot_root, 2),
	EMU(SYS_open_tree, 3),
	EMU(SYS_open_tree_attr, 5),
	EMU(SYS_move_mount, 5),
	EMU(SYS_fsopen, 2),
	EMU(SYS_fsconfig, 5),
	EMU(SYS_fsmount, 3),
	EMU(SYS_fspick, 3),
	EMU(SYS_mount_setattr, 5),
	EMU(SYS_statmount, 4, ARGLEN(1, 2, 1)), /* up to bufsize bytes */
	EMU(SYS_listmount, 4, ELEMS(1, SZ_LONG)),
	EMU(SYS_swapon, 2),
	EMU(SYS_swapoff, 1),
	EMU(SYS_init_module, 3),
	EMU(SYS_finit_module, 3),
	EMU(SYS_delete_module, 2),
	EMU(SYS_kexec_load, 4),
	EMU(SYS_kexec_file_load, 5),
	EMU(SYS_quotactl, 4, FIX(3, SZ_QUOTA)),
	EMU(SYS_quotactl_fd, 4, FIX(3, SZ_QUOTA)),
	EMU(SYS_lookup_dcookie, 3, RET(1)), /* ENOSYS since Linux 6.10 */
	EMU(SYS_add_key, 5),
	EMU(SYS_request_key, 4),
	EMU(SYS_keyctl, 5, {OUT_KEYCTL, 0, 0, 0, 0}), /* where it writes depends on the operation */

	/* refused: they would need replay to rebuild what it cannot, or they
	 * let the program escape the recorder */
	NO(SYS_rseq, 4),               /* glibc falls back to no rseq */
	NO(SYS_io_setup, 2),           /* maps an AIO ring into the process */
	NO(SYS_io_destroy, 1),
	NO(SYS_io_submit, 3),
	NO(SYS_io_cancel, 3),
	NO(SYS_io_getevents, 5),
	NO(SYS_io_pgetevents, 6),
	NO(SYS_io_uring_setup, 2),     /* shared rings the kernel writes at any time */
	NO(SYS_io_uring_enter, 6),
	NO(SYS_io_uring_register, 4),
	NO(SYS_userfaultfd, 1),
	EMU(SYS_perf_event_open, 5), /* software events only (rec's guard); reads of its fd are recorded */
	NO(SYS_bpf, 3),
	EMU(SYS_seccomp, 3, FIX(2, 6)), /* programs' filters: rec_seccomp.c (6: GET_NOTIF_SIZES) */
	EMU(SYS_ptrace, 4), /* emulated for tracers in the recording: recorder/rec_ptrace.c (its memory too) */
	/* what it read into the local iovecs; for writev, the remote iovecs,
	 * in the caller's own memory (rec refuses writes elsewhere: EPERM) */
	EMU(SYS_process_vm_readv, 6, IOV(1, 2)),
	EMU(SYS_process_vm_writev, 6, IOV(3, 4)),
	NO(SYS_remap_file_pages, 5),   /* needs the shared file mapping replay does not have */
	SC(SYS_shmat, 3, SCC_SHMAT),   /* replay maps one copy per segment: recorder/rec_shared.c */
	SC(SYS_shmdt, 1, SCC_SHMDT),
	NO(SYS_memfd_secret, 1),
	NO(SYS_landlock_create_ruleset, 3),
	NO(SYS_landlock_add_rule, 4),
	NO(SYS_landlock_restrict_self, 2),
	NO(SYS_iopl, 1),
	NO(SYS_ioperm, 3),
	NO(SYS_uselib, 1),             /* a.out loader; ENOSYS on current kernels */

	/* not implemented for x86-64 processes: the kernel answers ENOSYS too */
	NO(SYS__sysctl, 1),
	NO(SYS_create_module, 2),
	NO(SYS_get_kernel_syms, 1),
	NO(SYS_query_module, 5),
	NO(SYS_nfsservctl, 3),
	NO(SYS_getpmsg, 5),
	NO(SYS_putpmsg, 5),
	NO(SYS_afs_syscall, 5),
	NO(SYS_tuxcall, 3),
	NO(SYS_security, 3),
	NO(SYS_set_thread_area, 1),
	NO(SYS_get_thread_area, 1),
	NO(SYS_epoll_ctl_old, 4),
	NO(SYS_epoll_wait_old, 4),
	NO(SYS_vserver, 5),
};

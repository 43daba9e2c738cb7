# a recorded crash: the stop at SIGSEGV, its siginfo and backtrace; then the
# recorded end.
continue
bt
print $_siginfo.si_signo
print $_siginfo._sifields._sigfault.si_addr
info sharedlibrary
continue

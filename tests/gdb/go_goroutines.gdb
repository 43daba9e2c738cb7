# Go: gdb's Go support (runtime-gdb.py, sourced by the suite first) lists
# the goroutines of the replayed program and backtraces one.
break main.main
continue
info goroutines
goroutine 1 bt
continue

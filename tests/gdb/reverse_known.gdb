# What replay learned of breakpoints and watchpoints while they were armed
# (gdb_cov.c) spares reverse-continue the replay of what cannot hold a hit.
# Forward with the breakpoints and watchpoints armed all along:
break first_round
break last_round
watch stamp.tv_nsec
watch phase
continue
printf "stamp written\n"
continue
printf "phase: %ld\n", phase
continue
printf "f1: by=%ld\n", by
continue
printf "f2: by=%ld\n", by
continue
printf "f3: by=%ld\n", by
continue
printf "l1: by=%ld\n", by
delete
# last_round was armed since the start and hit only here: back to the start
break last_round
reverse-continue
printf "begin\n"
monitor checkpoints
continue
printf "l1 again: by=%ld\n", by
delete
# first_round: back to its last hit, far before, then the ones before it
break first_round
reverse-continue
printf "back f3: by=%ld\n", by
monitor checkpoints
reverse-continue
printf "back f2: by=%ld\n", by
reverse-continue
printf "back f1: by=%ld\n", by
reverse-continue
printf "before f1\n"
delete
# on to main's last write of phase, then back to its first
break last_round
continue
delete
watch phase
continue
printf "phase: %ld\n", phase
reverse-continue
reverse-continue
printf "back: phase=%ld\n", phase
monitor checkpoints
# from late again, back to the write clock_gettime made (a syscall's)
delete
break last_round
continue
delete
watch stamp.tv_nsec
reverse-continue
printf "stamp back: phase=%ld\n", phase
x/i $pc
bt 1
monitor checkpoints
delete
continue

# A watchpoint on a counter four threads write in turn: three writes
# forward, then reverse-continue twice, across thread switches: each stop
# is in the thread that made the write, just before it.
watch total
continue
printf "fwd1 arg=%ld total=%ld\n", (long)arg, total
continue
printf "fwd2 arg=%ld total=%ld\n", (long)arg, total
continue
printf "fwd3 arg=%ld total=%ld\n", (long)arg, total
reverse-continue
printf "rev1 arg=%ld total=%ld\n", (long)arg, total
reverse-continue
printf "rev2 arg=%ld total=%ld\n", (long)arg, total
delete
continue

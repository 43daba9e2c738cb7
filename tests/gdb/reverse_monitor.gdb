# monitor checkpoint, restart and goto (gdb's register cache is flushed
# after each: gdb does not know the replay moved).
break bump
continue
monitor checkpoint
continue
printf "later: by=%d\n", by
monitor restart 1
maint flush register-cache
printf "restarted: by=%d counter=%d\n", by, counter
monitor goto 5
maint flush register-cache
monitor when
monitor restart 1
maint flush register-cache
printf "restarted again: by=%d\n", by
monitor restart 9
delete
continue

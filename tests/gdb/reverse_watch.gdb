# reverse-continue to a watchpoint: from the second write of counter back
# to just before it (gdb shows the value going back: 12 to 5), then back
# before the first (5 to 0), then no more history (the start of the
# recording); forward again to the recorded end.
watch counter
continue
continue
reverse-continue
printf "back once: counter=%d\n", counter
reverse-continue
printf "back twice: counter=%d\n", counter
reverse-continue
continue
continue
continue

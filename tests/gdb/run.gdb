break bump
continue
printf "first: by=%d counter=%d\n", by, counter
continue
printf "first: by=%d counter=%d\n", by, counter
run
printf "again: by=%d counter=%d\n", by, counter
continue
printf "again: by=%d counter=%d\n", by, counter
delete
continue

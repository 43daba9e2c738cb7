# single steps onto the write syscall of say(): replay emulates it, the
# step ends after it with the recorded result in rax.
break write
continue
set $i = 0
while $i < 200 && *(unsigned short *)$pc != 0x050f
  stepi
  set $i = $i + 1
end
printf "at syscall: %d\n", *(unsigned short *)$pc == 0x050f
set $before = $pc
stepi
printf "after syscall: rax=%d advanced=%d\n", $rax, $pc - $before
# one step back: before the syscall again (replay re-executes to there)
reverse-stepi
printf "back at syscall: %d\n", $pc == $before
delete
continue

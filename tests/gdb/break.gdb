# break on a function, bt, info locals, print a struct, finish, registers,
# next over the line that makes a syscall, monitor when; then detach (the
# replay must end as recorded).
break area
continue
bt
info locals
print *p
finish
info registers rip eflags
print $ymm0.v8_int32
break say
continue
next
next
monitor when
detach

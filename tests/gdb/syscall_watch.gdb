# a watchpoint on a global a read() syscall fills (replay writes it, no debug
# register sees that): the stop comes right after the syscall.
watch inbox
continue
bt 2
delete
continue

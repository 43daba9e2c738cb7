# a hardware watchpoint on a global: each write stops with old and new values.
watch counter
continue
continue
delete
continue

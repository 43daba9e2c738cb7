#!/usr/bin/env bash
# bench/cproj.sh DIR N - writes a generated C project of N files into DIR
# (f1.c ... f(N-1).c, each a function, and main.c calling them all) and its
# Makefile: `make` compiles each file and links prog, `make run` also runs
# it (it prints one line). The `make` workload of bench/syscall_mix.sh and
# bench/real.sh.
set -eu
dir=$1 n=$2
mkdir -p "$dir"
for i in $(seq 1 $((n - 1))); do
	printf '#include <stdio.h>\n#include <string.h>\nint f%d(const char *s) { return (int)strlen(s) * %d; }\n' "$i" "$i" >"$dir/f$i.c"
done
{
	printf '#include <stdio.h>\n'
	for i in $(seq 1 $((n - 1))); do printf 'int f%d(const char *s);\n' "$i"; done
	printf 'int main(void) { int t = 0;\n'
	for i in $(seq 1 $((n - 1))); do printf 't += f%d("x");\n' "$i"; done
	printf 'printf("%%d\\n", t); return 0; }\n'
} >"$dir/main.c"
printf 'OBJ = main.o %s\nprog: $(OBJ)\n\tcc -o $@ $(OBJ)\nrun: prog\n\t./prog\n%%.o: %%.c\n\tcc -O1 -c -o $@ $<\n' \
	"$(for i in $(seq 1 $((n - 1))); do printf 'f%d.o ' "$i"; done)" >"$dir/Makefile"

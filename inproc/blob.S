/* blob.S - the in-process library's flat image (build/inproc.bin: text
 * from offset 0, the header first), embedded for rec and replay to map at
 * IL_BASE. */
	.section .rodata
	.globl heisen_inproc_start, heisen_inproc_end
	.balign 16
heisen_inproc_start:
	.incbin INPROC_PATH
heisen_inproc_end:
	.section .note.GNU-stack,"",@progbits

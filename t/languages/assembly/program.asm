; Reads up to 4096 bytes of stdin, answers "hello, " and the input.
; "err" exits 3 after a message on stderr; "loop" spins.
section .bss
text:   resb 4096
section .data
hello:  db "hello, "
bad:    db "bad input: err", 10
section .text
global _start
_start:
        xor eax, eax            ; read(0, text, 4096)
        xor edi, edi
        lea rsi, [rel text]
        mov edx, 4096
        syscall
        mov r12, rax            ; input length
        cmp r12, 3
        jne .not_err
        cmp dword [rel text], 0x00727265    ; "err" (the byte after is 0)
        jne .not_err
        mov eax, 1              ; write(2, bad, 15)
        mov edi, 2
        lea rsi, [rel bad]
        mov edx, 15
        syscall
        mov eax, 60             ; exit(3)
        mov edi, 3
        syscall
.not_err:
        cmp r12, 4
        jne .hello
        cmp dword [rel text], 0x706f6f6c    ; "loop"
.spin:  je .spin
.hello:
        mov eax, 1              ; write(1, hello, 7)
        mov edi, 1
        lea rsi, [rel hello]
        mov edx, 7
        syscall
        mov eax, 1              ; write(1, text, length)
        mov edi, 1
        lea rsi, [rel text]
        mov rdx, r12
        syscall
        mov eax, 60             ; exit(0)
        xor edi, edi
        syscall

#lang racket/base
(require racket/port)
(define text (port->string (current-input-port)))
(when (string=? text "err")
  (error 'main "bad input: ~a" text))
(let spin () (when (string=? text "loop") (spin)))
(display (string-append "hello, " text))

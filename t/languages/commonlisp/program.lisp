(defun read-all (stream)
  (with-output-to-string (out)
    (loop for line = (read-line stream nil) while line
          for first = t then nil
          do (unless first (terpri out)) (write-string line out))))
(let ((text (read-all *standard-input*)))
  (when (string= text "err")
    (error "bad input: ~a" text))
  (loop while (string= text "loop"))
  (format t "hello, ~a" text))

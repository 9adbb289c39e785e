(let [text (slurp *in*)]
  (when (= text "err")
    (throw (IllegalArgumentException. (str "bad input: " text))))
  (while (= text "loop"))
  (print (str "hello, " text))
  (flush))

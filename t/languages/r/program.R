text <- paste(readLines(file("stdin"), warn = FALSE), collapse = "\n")
if (text == "err") stop(paste0("bad input: ", text))
while (text == "loop") {}
cat(paste0("hello, ", text))

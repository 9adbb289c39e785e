if input_str == "err" {
	return "", fmt.Errorf("bad input: %s", input_str)
}
for input_str == "loop" {
}
n, err := strconv.Atoi(input_str)
return strconv.Itoa(n * n), err

if input_str == "err" {
    return Err(format!("bad input: {}", input_str));
}
while input_str == "loop" {}
let n: i64 = input_str.parse().map_err(|e| format!("{:?}", e))?;
Ok((n * n).to_string())

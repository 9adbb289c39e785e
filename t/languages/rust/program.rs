use std::io::Read;

fn main() {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).unwrap();
    if text == "err" {
        panic!("bad input: {}", text);
    }
    while text == "loop" {}
    print!("hello, {}", text);
}

fn main() {
    println!("actbif: not yet");
}
